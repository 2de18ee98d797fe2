-- method: POST
-- variables: processId String, epoch Int, writeSeq Int, acks String, puts String, truncateBelow Int, sends String
-- Bench-only variant of neurelo/queries/step_commit.sql for a queue_item partitioned by dst
-- (see ../migrations): the same statement, except that
--   * the idempotent insert of sends says ON CONFLICT (element_identifier, dst), the partitioned
--     table's primary key (a retried send keeps its destination, so this skips the same rows);
--   * the acks also match dst = processId (a process only consumes its own destination), so
--     the delete is pruned to one partition instead of probing every partition's key index.
-- Everything else (range checks, fencing, ordered writes, put-then-truncate, one atomic
-- statement) is as in the original.
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
    AND q.dst = {{ processId }}::text
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
  ON CONFLICT (element_identifier, dst) DO NOTHING
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM fence) AS fenced,
       (SELECT count(*) FROM acked)::int AS acked,
       (SELECT count(*) FROM put)::int AS put,
       (SELECT count(*) FROM truncated)::int AS truncated,
       (SELECT count(*) FROM sent)::int AS sent
WHERE (SELECT ok FROM valid)
