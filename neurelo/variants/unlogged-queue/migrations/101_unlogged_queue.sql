-- Bench-only variant (tools/src/bench), NOT DURABLE: queue_item skips the write-ahead log, so
-- a database crash empties the queue (and loses the messages in flight between processes).
-- Measured as a separate row to show what the WAL of the queue costs; never a deployment.
ALTER TABLE queue_item SET UNLOGGED;
