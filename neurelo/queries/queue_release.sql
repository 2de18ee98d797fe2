-- method: POST
-- variables: owner String, ids String
-- Hands leased messages back at once (graceful shutdown) instead of letting their leases run
-- out. Only `owner`'s leases are cleared. Waiting on a row lock, as for ack, then re-checking
-- the owner is right here too. Migration 002 notifies the destination, so a long-polling
-- consumer wakes up for the returned messages.
-- A message handed back was not handled, so its claim was not an attempt: attempts goes back
-- down by one (never below 0). Otherwise a consumer that releases its batch on every shutdown
-- would push innocent messages toward the dead-letter threshold, which counts attempts.
WITH released AS (
  UPDATE queue_item
  SET lease_owner = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0)
  WHERE element_identifier IN (SELECT jsonb_array_elements_text({{ ids }}::jsonb))
    AND lease_owner = {{ owner }}::text
  RETURNING 1
)
SELECT count(*)::int AS released FROM released
