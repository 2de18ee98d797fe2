-- method: POST
-- variables: messages String
-- Bench-only variant of neurelo/queries/queue_push.sql for a queue_item partitioned by dst:
-- the same batch insert, idempotent on the partitioned table's key (element_identifier, dst).
WITH inserted AS (
  INSERT INTO queue_item (element_identifier, dst, payload)
  SELECT m.message ->> 'id', m.message ->> 'dst', m.message ->> 'payload'
  FROM jsonb_array_elements({{ messages }}::jsonb) WITH ORDINALITY AS m(message, position)
  ORDER BY m.position
  ON CONFLICT (element_identifier, dst) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS inserted FROM inserted
