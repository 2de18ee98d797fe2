-- method: POST
-- variables: processId String, epoch Int, acks String, puts String, truncateBelow Int, sends String
-- One step of a Paxos process, all or nothing: ack the messages it consumed, persist its new
-- state, drop state below `truncateBelow` (0 = keep everything) and enqueue what it sends. It is
-- ONE statement (data-modifying CTEs), so a crash anywhere leaves all of it or none of it, and a
-- retry with the same ids is harmless (acks find nothing, puts rewrite the same values, sends
-- skip ids already queued).
--   acks:  JSON array of message ids, acked only if leased by `<processId>#<epoch>`
--   puts:  JSON array of {key, slot, value}, keys unique (the caller dedupes), owner = processId
--   sends: JSON array of {id, dst, payload}, inserted in array order
--
-- Fencing: every write joins `fence`, the process_epoch row of (processId, epoch). A zombie of an
-- older epoch finds no row, so it changes nothing and reads fenced = false. FOR SHARE, not
-- FOR KEY SHARE: it must conflict with epoch_claim's UPDATE of the epoch column, so that a new
-- epoch is granted only after in-flight commits of the old one have finished, and commits of the
-- old epoch that start later see the new epoch and fail. FOR SHARE still lets the commits of one
-- live process run side by side.
--
-- All CTEs see one snapshot and must not touch the same row twice (Postgres would pick one of the
-- changes unpredictably), so the truncation leaves alone the keys that this step puts. The result
-- is that of "put, then truncate": a put whose slot is below truncateBelow is not written, and
-- an older entry under its key is deleted.
WITH fence AS (
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
  INSERT INTO durable_state (owner, key, slot, value, updated_at)
  SELECT fence.process_id, k.key, k.slot, k.value, now()
  FROM fence, kept_puts AS k
  ON CONFLICT (owner, key) DO UPDATE
  SET slot = EXCLUDED.slot, value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
  RETURNING 1
),
truncated AS (
  DELETE FROM durable_state AS d
  USING fence
  WHERE d.owner = fence.process_id
    AND {{ truncateBelow }}::bigint > 0
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
