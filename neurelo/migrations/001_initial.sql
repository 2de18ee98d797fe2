-- 001: the queue, dead letters, durable role state and process epochs.
-- Migrations are numbered and never edited once they land; schema.json must agree with them.

CREATE TABLE queue_item (
  element_identifier VARCHAR(128) PRIMARY KEY,
  time_inserted TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  dst VARCHAR(128) NOT NULL,
  payload TEXT NOT NULL,
  seq BIGSERIAL NOT NULL,
  lease_owner VARCHAR(128),
  lease_until TIMESTAMPTZ(6),
  attempts INTEGER NOT NULL DEFAULT 0
);
-- Consumers take the oldest visible messages of one destination: (dst, seq) serves
-- both the original project's pop and the lease claim with an index range scan.
CREATE INDEX idx_queue_item_dst_seq ON queue_item (dst, seq);

CREATE TABLE dead_letter (
  element_identifier VARCHAR(128) PRIMARY KEY,
  dst VARCHAR(128) NOT NULL,
  payload TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  failed_at TIMESTAMPTZ(6) NOT NULL DEFAULT now()
);
CREATE INDEX idx_dead_letter_dst_failed_at ON dead_letter (dst, failed_at);

CREATE TABLE durable_state (
  owner VARCHAR(128) NOT NULL,
  key VARCHAR(256) NOT NULL,
  slot BIGINT,
  value JSONB NOT NULL,
  updated_at TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT durable_state_pkey PRIMARY KEY (owner, key)
);
CREATE INDEX idx_durable_state_owner_slot ON durable_state (owner, slot);

CREATE TABLE process_epoch (
  process_id VARCHAR(128) PRIMARY KEY,
  epoch BIGINT NOT NULL DEFAULT 0,
  claimed_at TIMESTAMPTZ(6) NOT NULL DEFAULT now()
);

-- Wake long-polling consumers: one notification per destination per inserting statement
-- (Postgres folds identical notifications within a transaction).
CREATE FUNCTION queue_item_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('queue_item', d.dst) FROM (SELECT DISTINCT dst FROM inserted) AS d;
  RETURN NULL;
END;
$$;
CREATE TRIGGER queue_item_notify AFTER INSERT ON queue_item
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION queue_item_notify();
