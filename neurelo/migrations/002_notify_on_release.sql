-- 002: wake long-polling consumers when leased messages are handed back (queue_release, or a
-- REST update that clears a lease), as 001 does for new messages. Without it a consumer waiting
-- on that destination would see the returned messages only when its wait ends.
-- Statement-level with a transition table, like 001: one notification per destination per
-- statement however many rows it touched; claims set lease_owner, so they notify nothing.
CREATE FUNCTION queue_item_notify_released() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('queue_item', d.dst)
  FROM (SELECT DISTINCT dst FROM updated WHERE lease_owner IS NULL) AS d;
  RETURN NULL;
END;
$$;
CREATE TRIGGER queue_item_notify_released AFTER UPDATE ON queue_item
  REFERENCING NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION queue_item_notify_released();
