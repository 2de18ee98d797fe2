-- method: POST
-- variables: processId String, epoch Int, writeSeq Int, acks String, puts String, truncateBelow Int, sends String
-- One step of a Paxos process, all or nothing: ack the messages it consumed, persist its new
-- state, drop state below `truncateBelow` (0 = keep everything) and enqueue what it sends. It is
-- ONE statement (data-modifying CTEs), so a crash anywhere leaves all of it or none of it, and a
-- retry with the same ids is harmless (acks find nothing, puts and the truncation find their
-- rows already written by this commit, sends skip ids already queued).
--   writeSeq: the commit's sequence number within the epoch, 1, 2, 3, ... in the order the
--          process issues its commits (a retry keeps its number)
--   acks:  JSON array of message ids, acked only if leased by `<processId>#<epoch>`
--   puts:  JSON array of {key, slot, value}, keys unique (the caller dedupes), owner = processId
--   sends: JSON array of {id, dst, payload}, inserted in array order
-- Range checks (neurelo/README.md): epoch >= 1, writeSeq >= 1, truncateBelow >= 0.
--
-- Fencing: every write joins `fence`, the process_epoch row of (processId, epoch). A zombie of an
-- older epoch finds no row, so it changes nothing and reads fenced = false. FOR SHARE, not
-- FOR KEY SHARE: it must conflict with epoch_claim's UPDATE of the epoch column, so that a new
-- epoch is granted only after in-flight commits of the old one have finished, and commits of the
-- old epoch that start later see the new epoch and fail. FOR SHARE still lets the commits of one
-- live process run side by side.
--
-- Ordering: fencing stops other incarnations, but not this one's own late attempts. A commit
-- whose first attempt stalls (in the network, or waiting for a connection) is retried; the retry
-- succeeds, the process moves on to later commits, and then the stalled attempt lands. Written
-- unconditionally it would roll the state back (an acceptor's ballot, say). So each row carries
-- the (write_epoch, write_seq) of the commit that wrote it, and this commit writes a row only if
-- that pair is older than (epoch, writeSeq) by row comparison: epoch first, so a new incarnation
-- (higher epoch, numbering from 1 again) outranks everything before it. A put of a newer row is
-- skipped (the upsert's WHERE, evaluated on the row's latest version after waiting for its lock),
-- and the truncation deletes only older rows. A replayed commit is therefore a no-op for the
-- state: the same commit (equal pair) and older ones alike. Its acks and sends are harmless as
-- above. What ordering cannot see is a row that is gone: a key a newer commit deleted (by
-- truncation) and a late older commit puts again is inserted; it carries the older pair and is
-- at a slot below the newer commit's truncation, so the next truncation removes it again.
--
-- All CTEs see one snapshot and must not touch the same row twice (Postgres would pick one of the
-- changes unpredictably), so the truncation leaves alone the keys that this step puts. The result
-- is that of "put, then truncate": a put whose slot is below truncateBelow is not written, and
-- an older entry under its key is deleted.
--
-- The range checks gate the final SELECT (a one-time filter: no row columns in it), so they run
-- once, before anything else, and a value out of range fails the whole statement with a data
-- error whose message names the variable and its range.
WITH valid AS (
  SELECT CASE WHEN {{ epoch }}::bigint >= 1 THEN true
              ELSE ('epoch must be >= 1, got ' || {{ epoch }}::bigint)::boolean END
     AND CASE WHEN {{ writeSeq }}::bigint >= 1 THEN true
              ELSE ('writeSeq must be >= 1, got ' || {{ writeSeq }}::bigint)::boolean END
     AND CASE WHEN {{ truncateBelow }}::bigint >= 0 THEN true
              ELSE ('truncateBelow must be >= 0, got ' || {{ truncateBelow }}::bigint)::boolean END
         AS ok
),
fence AS (
  SELECT process_id
  FROM process_epoch
  WHERE process_id = {{ processId }}::text
    AND epoch = {{ epoch }}::bigint
  FOR SHARE
),
acked AS (
  DELETE FROM queue_item AS q
  USING fence
  WHERE q.element_identifier IN (SELECT jsonb_array_elements_text({{ acks }}::jsonb))
    AND q.lease_owner = {{ processId }}::text || '#' || {{ epoch }}::bigint::text
  RETURNING 1
),
requested_puts AS (
  SELECT p.entry ->> 'key' AS key, (p.entry ->> 'slot')::bigint AS slot, p.entry -> 'value' AS value
  FROM jsonb_array_elements({{ puts }}::jsonb) AS p(entry)
),
kept_puts AS (
  SELECT key, slot, value
  FROM requested_puts
  WHERE {{ truncateBelow }}::bigint <= 0 OR slot IS NULL OR slot >= {{ truncateBelow }}::bigint
),
put AS (
  INSERT INTO durable_state AS d (owner, key, slot, value, updated_at, write_epoch, write_seq)
  SELECT fence.process_id, k.key, k.slot, k.value, now(), {{ epoch }}::bigint, {{ writeSeq }}::bigint
  FROM fence, kept_puts AS k
  ON CONFLICT (owner, key) DO UPDATE
  SET slot = EXCLUDED.slot,
      value = EXCLUDED.value,
      updated_at = EXCLUDED.updated_at,
      write_epoch = EXCLUDED.write_epoch,
      write_seq = EXCLUDED.write_seq
  WHERE (d.write_epoch, d.write_seq) < (EXCLUDED.write_epoch, EXCLUDED.write_seq)
  RETURNING 1
),
truncated AS (
  DELETE FROM durable_state AS d
  USING fence
  WHERE d.owner = fence.process_id
    AND {{ truncateBelow }}::bigint > 0
    AND (d.write_epoch, d.write_seq) < ({{ epoch }}::bigint, {{ writeSeq }}::bigint)
    AND NOT EXISTS (SELECT 1 FROM kept_puts AS k WHERE k.key = d.key)
    AND (
      d.slot < {{ truncateBelow }}::bigint
      OR EXISTS (SELECT 1 FROM requested_puts AS r WHERE r.key = d.key)
    )
  RETURNING 1
),
sent AS (
  INSERT INTO queue_item (element_identifier, dst, payload)
  SELECT m.message ->> 'id', m.message ->> 'dst', m.message ->> 'payload'
  FROM fence, jsonb_array_elements({{ sends }}::jsonb) WITH ORDINALITY AS m(message, position)
  ORDER BY m.position
  ON CONFLICT (element_identifier) DO NOTHING
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM fence) AS fenced,
       (SELECT count(*) FROM acked)::int AS acked,
       (SELECT count(*) FROM put)::int AS put,
       (SELECT count(*) FROM truncated)::int AS truncated,
       (SELECT count(*) FROM sent)::int AS sent
WHERE (SELECT ok FROM valid)
