-- method: POST
-- variables: processId String, epoch Int, leaseMs Int
-- The holder of `epoch` extends its lease to now + leaseMs (epoch_claim). renewed = false means
-- the row has moved on to a later epoch: another process took the id after this one's lease ran
-- out, so this one is fenced and must stop. A lease that ran out with nobody claiming the id is
-- still renewed: no one else holds the epoch.
-- Range checks (neurelo/README.md): epoch >= 1, leaseMs 100..600000.
-- Like epoch_claim, the UPDATE waits for the process's own in-flight step_commits (they hold the
-- row FOR SHARE), each a few milliseconds; renewals come every fraction of a lease, so that
-- pause is rare and short. A renewal that arrives after a new epoch was granted finds no row of
-- its epoch and changes nothing.
WITH valid AS (
  SELECT CASE WHEN {{ epoch }}::bigint >= 1 THEN true
              ELSE ('epoch must be >= 1, got ' || {{ epoch }}::bigint)::boolean END
     AND CASE WHEN {{ leaseMs }}::bigint BETWEEN 100 AND 600000 THEN true
              ELSE ('leaseMs must be 100..600000, got ' || {{ leaseMs }}::bigint)::boolean END
         AS ok
),
renewed AS (
  UPDATE process_epoch
  SET lease_until = now() + {{ leaseMs }}::bigint * interval '1 millisecond'
  WHERE process_id = {{ processId }}::text
    AND epoch = {{ epoch }}::bigint
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM renewed) AS renewed
WHERE (SELECT ok FROM valid)
