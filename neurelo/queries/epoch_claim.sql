-- method: POST
-- variables: processId String, holder String, leaseMs Int
-- Each start of a process claims the next epoch of its id, under a lease: one live process per
-- id. Its lease owner string for messages is then `<processId>#<epoch>`. Answers exactly one row
-- {granted, epoch, retryInMs}:
--   granted: no row yet, or no live lease (lease_until NULL or passed), or `holder` already holds
--     it (the same process claiming again). The epoch goes up by one (1 for a new id), `holder`
--     takes the lease for `leaseMs`; retryInMs = 0.
--   refused: another holder's lease is live. Nothing changes; epoch is the current one and
--     retryInMs the whole milliseconds until that lease runs out (the holder may renew it).
-- A second copy of a process therefore waits instead of fencing the first, and the two never
-- alternate; a SIGKILLed holder's replacement gets the id within leaseMs of the last renewal.
-- Range checks (neurelo/README.md): leaseMs 100..600000, holder 1..128 characters. processId
-- needs none of its own: its column holds at most 128 characters, and a longer one is refused
-- as a data error (22001, value too long) while the statement is planned.
--
-- One statement: the upsert always locks the row (and waits for a concurrent claim of the same
-- id), then decides on its latest version, so two claims cannot both be granted. It always
-- updates, writing the old values back when it refuses, so that RETURNING shows the row as the
-- decision saw it (a refused claim writes a row version with the same values; refusals are
-- rare, one per retry of a waiting second copy). granted is then exactly "the holder is us":
-- a refusal means another holder. The UPDATE of the epoch waits for step_commits of the previous
-- epoch that hold this row FOR SHARE, so once a new epoch is returned no commit of the old
-- incarnation (a zombie) can land any more: they all fail the fence.
-- epoch is BIGINT; float8 makes it a JSON number.
WITH valid AS (
  SELECT CASE WHEN {{ leaseMs }}::bigint BETWEEN 100 AND 600000 THEN true
              ELSE ('leaseMs must be 100..600000, got ' || {{ leaseMs }}::bigint)::boolean END
     AND CASE WHEN length({{ holder }}::text) BETWEEN 1 AND 128 THEN true
              ELSE ('holder must be 1..128 characters, got '
                    || length({{ holder }}::text))::boolean END
         AS ok
),
claimed AS (
  INSERT INTO process_epoch AS p (process_id, epoch, holder, lease_until, claimed_at)
  VALUES ({{ processId }}::text, 1, {{ holder }}::text,
          now() + {{ leaseMs }}::bigint * interval '1 millisecond', now())
  ON CONFLICT (process_id) DO UPDATE
  SET epoch = CASE WHEN p.lease_until IS NULL OR p.lease_until <= now() OR p.holder = EXCLUDED.holder
                   THEN p.epoch + 1 ELSE p.epoch END,
      lease_until = CASE WHEN p.lease_until IS NULL OR p.lease_until <= now() OR p.holder = EXCLUDED.holder
                         THEN EXCLUDED.lease_until ELSE p.lease_until END,
      claimed_at = CASE WHEN p.lease_until IS NULL OR p.lease_until <= now() OR p.holder = EXCLUDED.holder
                        THEN EXCLUDED.claimed_at ELSE p.claimed_at END,
      holder = CASE WHEN p.lease_until IS NULL OR p.lease_until <= now() OR p.holder = EXCLUDED.holder
                    THEN EXCLUDED.holder ELSE p.holder END
  RETURNING p.holder = {{ holder }}::text AS granted, p.epoch, p.lease_until
)
SELECT granted,
       epoch::float8 AS epoch,
       CASE WHEN granted THEN 0
            ELSE GREATEST(1, ceil(extract(epoch FROM lease_until - now()) * 1000))::int
       END AS "retryInMs"
FROM claimed
WHERE (SELECT ok FROM valid)
