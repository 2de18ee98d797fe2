-- method: POST
-- variables: dst String, owner String, limit Int, leaseMs Int
-- wait: queue_item dst limit
-- Leases up to `limit` of the oldest messages of `dst` that nobody holds (never leased, or the
-- lease ran out because its holder died): they become invisible to other consumers for
-- `leaseMs` and come back by themselves if `owner` never acks them (at-least-once delivery).
-- FOR UPDATE SKIP LOCKED: concurrent consumers of one destination each lock different rows
-- instead of queueing behind the first one's locks; a row another claim is updating right now is
-- simply not a candidate. A plain FOR UPDATE would serialise all consumers of a destination, and
-- without a lock two consumers could both read the same expired lease and both take the message.
-- The outer ORDER BY is needed because UPDATE ... RETURNING promises no order.
-- seq is BIGINT; float8 makes it a JSON number (exact up to 2^53).
-- Range checks (neurelo/README.md): limit 1..10000, leaseMs 100..600000. They gate the final
-- SELECT (a one-time filter), so they hold even when there is nothing to claim.
-- Bench variant `soft-lease`: as the project's queue_claim, but the lease is committed without
-- waiting for the WAL flush (synchronous_commit off for this transaction only). If the database
-- crashes and loses a lease, the message is simply claimable again, which at-least-once
-- delivery allows; the holder's step_commit is synchronous, and flushing it flushes the earlier
-- lease too. Every push, step state and ack still waits for the flush. Not the default: the
-- deployed fleet keeps synchronous_commit on for every statement.
WITH soft_lease AS (
  SELECT set_config('synchronous_commit', 'off', true) AS setting
),
valid AS (
  SELECT CASE WHEN {{ limit }}::bigint BETWEEN 1 AND 10000 THEN true
              ELSE ('limit must be 1..10000, got ' || {{ limit }}::bigint)::boolean END
     AND CASE WHEN {{ leaseMs }}::bigint BETWEEN 100 AND 600000 THEN true
              ELSE ('leaseMs must be 100..600000, got ' || {{ leaseMs }}::bigint)::boolean END
         AS ok
),
candidates AS (
  SELECT element_identifier
  FROM queue_item
  WHERE dst = {{ dst }}::text
    AND (lease_until IS NULL OR lease_until <= now())
  ORDER BY seq
  LIMIT {{ limit }}::bigint
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE queue_item AS q
  SET lease_owner = {{ owner }}::text,
      lease_until = now() + {{ leaseMs }}::bigint * interval '1 millisecond',
      attempts = q.attempts + 1
  FROM candidates AS c, soft_lease
  WHERE q.element_identifier = c.element_identifier
  RETURNING q.element_identifier, q.payload, q.attempts, q.seq
)
SELECT element_identifier, payload, attempts, seq::float8 AS seq
FROM claimed
WHERE (SELECT ok FROM valid)
ORDER BY claimed.seq
