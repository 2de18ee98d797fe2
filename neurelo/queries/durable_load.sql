-- method: POST
-- variables: owner String
-- Everything a process persisted (its role state), read once at start-up. `value` is JSON;
-- `slot` is null for entries that belong to no slot. slot is BIGINT; float8 makes it a JSON
-- number. A plain read: step_commit writes each step atomically, so any snapshot is a whole state.
SELECT key, slot::float8 AS slot, value
FROM durable_state
WHERE owner = {{ owner }}::text
ORDER BY slot NULLS FIRST, key
