-- method: POST
-- variables: processId String, epoch Int
-- A holder that stops gracefully ends its lease at once (lease_until = now), so that its
-- replacement is granted the next epoch without waiting for the lease to run out. Only the
-- holder of the row's current epoch can release it: released = false means a later epoch was
-- granted already, and nothing changes. The epoch itself stays; the next epoch_claim raises it.
-- Range check (neurelo/README.md): epoch >= 1.
WITH valid AS (
  SELECT CASE WHEN {{ epoch }}::bigint >= 1 THEN true
              ELSE ('epoch must be >= 1, got ' || {{ epoch }}::bigint)::boolean END
         AS ok
),
released AS (
  UPDATE process_epoch
  SET lease_until = now()
  WHERE process_id = {{ processId }}::text
    AND epoch = {{ epoch }}::bigint
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM released) AS released
WHERE (SELECT ok FROM valid)
