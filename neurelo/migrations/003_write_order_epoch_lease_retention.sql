-- 003: ordered state writes, the epoch lease, and an index for dead-letter retention.
-- Every ADD COLUMN has a constant default, so PostgreSQL (11+) records it in the catalog and
-- rewrites no table: existing rows read the default.

-- Ordered state writes (step_commit): each row remembers which commit wrote it last, as
-- (epoch, sequence number of the commit within that epoch). A put or a truncation applies only
-- to rows written by an older commit, so a stalled attempt that lands after a later step
-- changes nothing. Rows from before this migration read (0, 0), older than any commit.
ALTER TABLE durable_state
  ADD COLUMN write_epoch BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN write_seq BIGINT NOT NULL DEFAULT 0;

-- The epoch lease (epoch_claim, epoch_renew, epoch_release): one live process per id. `holder`
-- names the process that holds the current epoch; a different holder is refused a new epoch
-- until `lease_until` has passed. NULL (every row from before this migration) is no lease.
ALTER TABLE process_epoch
  ADD COLUMN holder TEXT NOT NULL DEFAULT '',
  ADD COLUMN lease_until TIMESTAMPTZ(6) NULL;

-- queue_retention deletes the oldest dead letters first: without this index every run would
-- sort the whole table (the (dst, failed_at) index of 001 starts with dst). Dead letters are
-- written rarely, so the index costs the hot path nothing.
CREATE INDEX idx_dead_letter_failed_at ON dead_letter (failed_at);
