-- method: POST
-- variables: processId String, batchLimit Int
-- Retires a member that a reconfiguration removed, once it is stopped for good: deletes up to
-- `batchLimit` of the messages queued for it (oldest first), every durable_state row it owns
-- and its process_epoch row. Answers one row {retired, queueRows, stateRows, epochRows,
-- queueRowsLeft, retryInMs}: what it deleted, how many queued messages are left for a further
-- call (a caller repeats while queueRowsLeft > 0), and, when it refused, how long the live lease
-- has to run.
-- Refused (retired = false, nothing deleted) while a process holds a live epoch lease on the
-- id: a member that still runs, or a second copy started by mistake, keeps its rows. A
-- gracefully stopped member released its lease already; a SIGKILLed one's lease runs out
-- within EPOCH_LEASE_MS. Once the epoch row is gone, a process started again under the id
-- would start empty, which is why only an id that left the configuration for good may be
-- retired: the replicas refuse to let it back in (configuration.ts), and queue_retention
-- treats messages still sent to it as messages to an unknown destination.
-- Range checks (neurelo/README.md): processId 1..128 characters, batchLimit 1..100000.
--
-- Locking: the epoch row is taken FOR UPDATE, which waits for the member's step_commits in
-- flight (they hold it FOR SHARE) and for a concurrent epoch_claim of the same id; a commit
-- that comes later finds no fence row and changes nothing. Queued messages are taken oldest
-- first through idx_queue_item_dst_seq with SKIP LOCKED (a row a retention run holds is left
-- for the next call) and deleted by primary key. Every data-modifying part is gated by
-- `allowed`, since PostgreSQL runs a WITH's writes whether or not the final SELECT reads them.
-- The counts come from the statement's snapshot, taken before its deletions.
WITH valid AS (
  SELECT CASE WHEN length({{ processId }}::text) BETWEEN 1 AND 128 THEN true
              ELSE ('processId must be 1..128 characters, got '
                    || length({{ processId }}::text))::boolean END
     AND CASE WHEN {{ batchLimit }}::bigint BETWEEN 1 AND 100000 THEN true
              ELSE ('batchLimit must be 1..100000, got ' || {{ batchLimit }}::bigint)::boolean END
         AS ok
),
epoch_row AS (
  SELECT lease_until
  FROM process_epoch
  WHERE process_id = {{ processId }}::text
  FOR UPDATE
),
allowed AS (
  SELECT (SELECT ok FROM valid)
     AND NOT EXISTS (SELECT 1 FROM epoch_row WHERE lease_until > now()) AS ok
),
doomed_messages AS (
  SELECT element_identifier
  FROM queue_item
  WHERE dst = {{ processId }}::text
    AND (SELECT ok FROM allowed)
  ORDER BY seq
  LIMIT {{ batchLimit }}::bigint
  FOR UPDATE SKIP LOCKED
),
removed_messages AS (
  DELETE FROM queue_item
  WHERE element_identifier = ANY (ARRAY(SELECT element_identifier FROM doomed_messages))
  RETURNING 1
),
removed_state AS (
  DELETE FROM durable_state
  WHERE owner = {{ processId }}::text
    AND (SELECT ok FROM allowed)
  RETURNING 1
),
removed_epoch AS (
  DELETE FROM process_epoch
  WHERE process_id = {{ processId }}::text
    AND (SELECT ok FROM allowed)
  RETURNING 1
)
SELECT (SELECT ok FROM allowed) AS retired,
       (SELECT count(*) FROM removed_messages)::int AS "queueRows",
       (SELECT count(*) FROM removed_state)::int AS "stateRows",
       (SELECT count(*) FROM removed_epoch)::int AS "epochRows",
       ((SELECT count(*) FROM queue_item WHERE dst = {{ processId }}::text)
        - (SELECT count(*) FROM removed_messages))::int AS "queueRowsLeft",
       COALESCE((SELECT GREATEST(1, ceil(extract(epoch FROM lease_until - now()) * 1000))::int
                 FROM epoch_row
                 WHERE lease_until > now()), 0) AS "retryInMs"
WHERE (SELECT ok FROM valid)
