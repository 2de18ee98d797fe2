-- method: DELETE
-- variables:
-- The original project's "clear": deletes every queued message and returns one row with how many.
-- No locking subtlety: a plain DELETE waits for rows another transaction holds and then deletes
-- them too, which is what "clear everything" means.
WITH deleted AS (
  DELETE FROM queue_item
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM deleted
