-- method: POST
-- variables: processId String
-- Each start of a process claims the next epoch of its id; its lease owner string is then
-- `<processId>#<epoch>`. The row update waits for step_commits of the previous epoch that hold
-- this row FOR SHARE, so once the new epoch is returned no commit of the old incarnation (a
-- zombie) can land any more: they all fail the fence.
INSERT INTO process_epoch (process_id, epoch)
VALUES ({{ processId }}::text, 1)
ON CONFLICT (process_id) DO UPDATE
SET epoch = process_epoch.epoch + 1,
    claimed_at = now()
RETURNING epoch::float8 AS epoch
