-- method: POST
-- variables: owner String, ids String
-- Completes messages: deletes those of `ids` (a JSON array of ids) that `owner` holds. Only the
-- lease holder may ack: a consumer whose lease ran out, and whose message was claimed again by
-- someone else, acks nothing, so the new holder's work is not thrown away.
-- No SKIP LOCKED here: if a claim is updating one of these rows, waiting for it and then
-- re-checking lease_owner on the new row version (what DELETE does under READ COMMITTED) is
-- exactly right; skipping would silently leave an acked message in the queue.
WITH acked AS (
  DELETE FROM queue_item
  WHERE element_identifier IN (SELECT jsonb_array_elements_text({{ ids }}::jsonb))
    AND lease_owner = {{ owner }}::text
  RETURNING 1
)
SELECT count(*)::int AS acked FROM acked
