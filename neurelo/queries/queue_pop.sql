-- method: DELETE
-- variables: dst String
-- The original project's pop, kept so its calls keep working: deletes and returns the oldest
-- message of `dst`. It loses the message if the caller crashes before handling it, which is why
-- the fleet claims with a lease (queue_claim) and acks after its step is durable instead.
-- A message leased by a queue_claim consumer is left alone, so the two styles cannot take the
-- same message. SKIP LOCKED: two pollers of one destination each take a different message
-- instead of the second one blocking on the first one's row and then finding it gone.
DELETE FROM queue_item
WHERE element_identifier = (
  SELECT element_identifier
  FROM queue_item
  WHERE dst = {{ dst }}::text
    AND (lease_until IS NULL OR lease_until <= now())
  ORDER BY seq
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
RETURNING element_identifier, time_inserted, dst, payload
