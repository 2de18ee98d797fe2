-- Chaos-only variant (tools/src/chaos, `--broken unlogged-state`), NOT DURABLE: every role's
-- durable state and every process's epoch are UNLOGGED, so a crash of PostgreSQL empties them
-- (crash recovery truncates unlogged tables). A role then finds itself fenced, restarts, and
-- recovers from nothing: an acceptor forgets its promises, a replica its store. The chaos run's
-- `db` fault must catch it. Never a deployment.
ALTER TABLE durable_state SET UNLOGGED;
ALTER TABLE process_epoch SET UNLOGGED;
