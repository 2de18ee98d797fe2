-- Bench-only variant (tools/src/bench), NOT DURABLE: commits of this database return before
-- their WAL reaches the disk, so a database crash can lose the last few hundred milliseconds of
-- acknowledged steps (promises, decisions). Measured as a separate row to show how much of the
-- cost is waiting for the WAL flush; never a deployment. Applies to connections opened later,
-- which is every connection of the local Neurelo server (it starts after the migrations).
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database());
END
$$;
