-- method: POST
-- variables: owner String, ids String
-- Hands leased messages back at once (graceful shutdown) instead of letting their leases run
-- out. Only `owner`'s leases are cleared. Waiting on a row lock, as for ack, then re-checking
-- the owner is right here too. Migration 002 notifies the destination, so a long-polling
-- consumer wakes up for the returned messages.
WITH released AS (
  UPDATE queue_item
  SET lease_owner = NULL, lease_until = NULL
  WHERE element_identifier IN (SELECT jsonb_array_elements_text({{ ids }}::jsonb))
    AND lease_owner = {{ owner }}::text
  RETURNING 1
)
SELECT count(*)::int AS released FROM released
