-- Bench-only variant (tools/src/bench): queue_item as one table per role, the original
-- project's "future work". A LIST-partitioned table with a partition for the acceptors, one for
-- the leaders, one for the replicas of the default fleet (3/2/2) and a default partition for any
-- other destination. Consumers of one role then scan, lock, vacuum and index only their own
-- rows, and never share heap or index pages with the other roles' traffic.
-- A unique key of a partitioned table must contain the partition key, so the primary key
-- becomes (element_identifier, dst); the variant's queries say ON CONFLICT on that pair, which
-- is as idempotent as before because a retried message always keeps its destination.
-- Runs on a fresh benchmark database, after 001 and 002: the queue is empty.
DROP TABLE queue_item;

CREATE TABLE queue_item (
  element_identifier VARCHAR(128) NOT NULL,
  time_inserted TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  dst VARCHAR(128) NOT NULL,
  payload TEXT NOT NULL,
  seq BIGSERIAL NOT NULL,
  lease_owner VARCHAR(128),
  lease_until TIMESTAMPTZ(6),
  attempts INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT queue_item_pkey PRIMARY KEY (element_identifier, dst)
) PARTITION BY LIST (dst);

CREATE TABLE queue_item_acceptor PARTITION OF queue_item
  FOR VALUES IN ('acceptor-0', 'acceptor-1', 'acceptor-2');
CREATE TABLE queue_item_leader PARTITION OF queue_item FOR VALUES IN ('leader-0', 'leader-1');
CREATE TABLE queue_item_replica PARTITION OF queue_item FOR VALUES IN ('replica-0', 'replica-1');
CREATE TABLE queue_item_other PARTITION OF queue_item DEFAULT;

CREATE INDEX idx_queue_item_dst_seq ON queue_item (dst, seq);

-- The wake-ups of 001 and 002, on the partitioned table (the functions survived the DROP).
CREATE TRIGGER queue_item_notify AFTER INSERT ON queue_item
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION queue_item_notify();
CREATE TRIGGER queue_item_notify_released AFTER UPDATE ON queue_item
  REFERENCING NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION queue_item_notify_released();
