-- method: POST
-- variables: owner String, id String, reason String
-- Moves one message that `owner` holds into dead_letter with the reason (an invalid payload, too
-- many attempts), in one statement so it is never in both tables or in neither. Only the lease
-- holder may do it, as for ack. If the id was dead-lettered before (the same id pushed again),
-- the newest reason wins.
WITH moved AS (
  DELETE FROM queue_item
  WHERE element_identifier = {{ id }}::text
    AND lease_owner = {{ owner }}::text
  RETURNING element_identifier, dst, payload, attempts
),
recorded AS (
  INSERT INTO dead_letter (element_identifier, dst, payload, reason, attempts)
  SELECT element_identifier, dst, payload, {{ reason }}::text, attempts FROM moved
  ON CONFLICT (element_identifier) DO UPDATE
  SET dst = EXCLUDED.dst,
      payload = EXCLUDED.payload,
      reason = EXCLUDED.reason,
      attempts = EXCLUDED.attempts,
      failed_at = now()
  RETURNING 1
)
SELECT count(*)::int AS moved FROM recorded
