-- method: POST
-- variables: unknownAfterMs Int, deadLetterAfterMs Int, batchLimit Int
-- Retention, run periodically by the fleet: deletes up to `batchLimit` queued messages whose
-- destination is unknown (no process_epoch row: no process of that id ever started) and that
-- were inserted more than `unknownAfterMs` ago, and up to `batchLimit` dead letters older than
-- `deadLetterAfterMs`. Answers one row {removedUnknown, removedDeadLetters, unknownRows,
-- deadLetterRows}: what it removed and what is left (messages of unknown destinations, of any
-- age, and dead letters), for the metrics. A caller that removed a full batch calls again.
-- Range checks (neurelo/README.md): both ages 1000..315360000000 (1 s to 10 years),
-- batchLimit 1..100000.
--
-- Indexes: the destinations are found by a loose index scan of idx_queue_item_dst_seq (one
-- probe per distinct destination, however many messages each has), checked against
-- process_epoch's primary key; the expired messages of unknown destinations are then read by
-- the same index, oldest first, and deleted by primary key (= ANY (ARRAY(...)), so that the
-- planner cannot choose a hash join over the whole table). Destinations are few (the members,
-- plus whatever unknown ones retention is there to clear), so no new index on the hot queue
-- table is needed, which every push and ack would pay for. Dead letters are found oldest first
-- through idx_dead_letter_failed_at (migration 003).
-- The counts of what is left may scan: the count for unknown destinations runs only when
-- there are some, and then the planner may prefer reading the queue once (it cannot tell how
-- few of its rows they have) to the index; the dead letters are counted whole. Both are one
-- sequential read per run of a table that is normally small (the queue drains, retention
-- bounds the dead letters), every few tens of seconds: cheap next to the steady work.
-- Locking: SKIP LOCKED, so retention never waits behind (or takes) a row a consumer is claiming
-- or dead-lettering right now; such a row is simply left for the next run. A process that
-- starts for the first time just as its old messages expire may lose them: a message to an id
-- that had no process for `unknownAfterMs` is as good as undeliverable, and Paxos resends.
-- The counts come from the statement's snapshot, taken before its deletions.
WITH RECURSIVE valid AS (
  SELECT CASE WHEN {{ unknownAfterMs }}::bigint BETWEEN 1000 AND 315360000000 THEN true
              ELSE ('unknownAfterMs must be 1000..315360000000, got '
                    || {{ unknownAfterMs }}::bigint)::boolean END
     AND CASE WHEN {{ deadLetterAfterMs }}::bigint BETWEEN 1000 AND 315360000000 THEN true
              ELSE ('deadLetterAfterMs must be 1000..315360000000, got '
                    || {{ deadLetterAfterMs }}::bigint)::boolean END
     AND CASE WHEN {{ batchLimit }}::bigint BETWEEN 1 AND 100000 THEN true
              ELSE ('batchLimit must be 1..100000, got ' || {{ batchLimit }}::bigint)::boolean END
         AS ok
),
destinations (dst) AS (
  (SELECT dst FROM queue_item ORDER BY dst LIMIT 1)
  UNION ALL
  SELECT (SELECT q.dst FROM queue_item AS q WHERE q.dst > d.dst ORDER BY q.dst LIMIT 1)
  FROM destinations AS d
  WHERE d.dst IS NOT NULL
),
unknown_destinations AS (
  SELECT d.dst
  FROM destinations AS d
  WHERE d.dst IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM process_epoch AS p WHERE p.process_id = d.dst)
),
expired_unknown AS (
  SELECT e.element_identifier
  FROM unknown_destinations AS u
  CROSS JOIN LATERAL (
    SELECT q.element_identifier
    FROM queue_item AS q
    WHERE q.dst = u.dst
      AND q.time_inserted < now() - {{ unknownAfterMs }}::bigint * interval '1 millisecond'
    ORDER BY q.seq
    LIMIT {{ batchLimit }}::bigint
    FOR UPDATE SKIP LOCKED
  ) AS e
  LIMIT {{ batchLimit }}::bigint
),
removed_unknown AS (
  DELETE FROM queue_item
  WHERE element_identifier = ANY (ARRAY(SELECT element_identifier FROM expired_unknown))
  RETURNING 1
),
expired_dead_letters AS (
  SELECT element_identifier
  FROM dead_letter
  WHERE failed_at < now() - {{ deadLetterAfterMs }}::bigint * interval '1 millisecond'
  ORDER BY failed_at
  LIMIT {{ batchLimit }}::bigint
  FOR UPDATE SKIP LOCKED
),
removed_dead_letters AS (
  DELETE FROM dead_letter
  WHERE element_identifier = ANY (ARRAY(SELECT element_identifier FROM expired_dead_letters))
  RETURNING 1
),
counts AS (
  SELECT (SELECT count(*) FROM removed_unknown) AS removed_unknown,
         (SELECT count(*) FROM removed_dead_letters) AS removed_dead_letters,
         -- Runs only when unknown destinations exist (a nested loop over none reads nothing).
         (SELECT COALESCE(sum(c.n), 0)
          FROM unknown_destinations AS u
          CROSS JOIN LATERAL (
            SELECT count(*) AS n FROM queue_item AS q WHERE q.dst = u.dst
          ) AS c) AS unknown_before,
         (SELECT count(*) FROM dead_letter) AS dead_letters_before
)
SELECT removed_unknown::int AS "removedUnknown",
       removed_dead_letters::int AS "removedDeadLetters",
       (unknown_before - removed_unknown)::int AS "unknownRows",
       (dead_letters_before - removed_dead_letters)::int AS "deadLetterRows"
FROM counts
WHERE (SELECT ok FROM valid)
