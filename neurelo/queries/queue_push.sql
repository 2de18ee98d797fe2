-- method: POST
-- variables: messages String
-- Enqueues a batch. `messages` is a JSON array of {id, dst, payload} (payload: the message as a
-- JSON string). Idempotent: an id already queued is skipped, so a producer that retries a push
-- after a timeout does not duplicate it. Rows are inserted in array order (ORDER BY the
-- ordinality), so `seq`, and with it the consumers' oldest-first order, follows the array.
-- No explicit lock: ON CONFLICT on the primary key already serialises two pushes of one id.
WITH inserted AS (
  INSERT INTO queue_item (element_identifier, dst, payload)
  SELECT m.message ->> 'id', m.message ->> 'dst', m.message ->> 'payload'
  FROM jsonb_array_elements({{ messages }}::jsonb) WITH ORDINALITY AS m(message, position)
  ORDER BY m.position
  ON CONFLICT (element_identifier) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS inserted FROM inserted
