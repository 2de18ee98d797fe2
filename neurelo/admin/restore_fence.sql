-- Run once on a restored database, before any process of the fleet can reach it
-- (docs/operations.md, "Backup and restore"; tools/src/backup/restore.ts runs it on a private
-- socket). Not a custom query: the data API never serves it.
--
-- Why: a backup holds every process's epoch of the backup's moment. A process that was running
-- then and still runs (its data API reconnects to the restored server) holds that same epoch, so
-- its step commits would pass step_commit's fence and write its newer, in-memory state (an
-- acceptor's later promises, a replica's later decisions) over the older restored one, and its
-- lease renewals would succeed. Every epoch therefore jumps far ahead:
--   - every process_epoch row goes up by 10^12, beyond any epoch granted since the backup
--     (epochs are granted only when a process starts, one claim or a few; 10^12 starts of one
--     id would take 31 years at 1,000 a second). An old process's next renewal (epoch_renew: renewed = false) or step commit
--     (step_commit: fenced = false) is refused, and it exits as fenced; started again it claims
--     the next epoch and recovers from the restored state. Epochs stay below 2^53 (JSON numbers)
--     for 9,000 restores.
--   - no lease survives (lease_until NULL): the restored holders are gone, and a new process
--     takes its id at once instead of waiting out a lease of the backup's moment.
--   - no message stays leased: the leases name `<processId>#<old epoch>`, which an old process
--     could still ack (queue_ack checks the owner string only); released, the new incarnations
--     claim them again, as after any crash.
-- Rows of durable_state keep their (write_epoch, write_seq): the new epochs outrank them, so the
-- first commit of each new incarnation writes over them as usual.
BEGIN;
UPDATE process_epoch
SET epoch = epoch + 1000000000000,
    lease_until = NULL;
UPDATE queue_item
SET lease_owner = NULL,
    lease_until = NULL
WHERE lease_owner IS NOT NULL;
SELECT count(*) AS processes_fenced, max(epoch) AS epoch_max FROM process_epoch;
COMMIT;
