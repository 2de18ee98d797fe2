-- method: POST
-- variables: dst String, owner String
-- A process that starts again (new epoch) takes back at once every message of its own
-- destination that an earlier incarnation had leased: that incarnation is dead or fenced
-- (its step commits can no longer change anything), so waiting for the lease to run out
-- would only delay recovery. Only the destination's own process calls this.
WITH released AS (
  UPDATE queue_item
     SET lease_owner = NULL, lease_until = NULL
   WHERE dst = {{ dst }}::text
     AND lease_owner IS NOT NULL
     AND lease_owner <> {{ owner }}::text
  RETURNING 1
)
SELECT count(*)::int AS released FROM released
