-- One Durex drain round trip pair, as the PostgreSQL store sends it, for pgbench (see run.sh): claim up to 500 ready
-- commands (the store's claim statement and settings), then apply their outcomes (status, lease release) and write two
-- history events per command. pgbench's transactions per second x 500 = commands per second PostgreSQL itself can
-- drain with this SQL on this machine, with no client work at all.
BEGIN;
SELECT set_config('enable_sort', 'off', true), set_config('jit', 'off', true);
WITH chosen AS (
    SELECT ctid FROM :schema.commands
    WHERE status IN ('PENDING', 'REPEATING') AND ready_at <= now() AND name = ANY('{noop}')
    ORDER BY priority DESC, ready_at, seq
    LIMIT 500
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE :schema.commands c SET status = 'STARTED', attempt = c.attempt + 1, started_at = now(), lease_owner = 'pgbench',
                                lease_id = gen_random_uuid(), lease_expires_at = now() + interval '30 seconds'
    FROM chosen WHERE c.ctid = chosen.ctid
    RETURNING c.id, c.lease_id
)
SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(lease_id), '{}') AS leases FROM claimed \gset
COMMIT;
WITH o AS (SELECT * FROM unnest(':ids'::uuid[], ':leases'::uuid[]) AS o(id, lease_id)),
applied AS (
    UPDATE :schema.commands c SET status = 'COMPLETED', completed_at = now(), error = NULL,
                                lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL
    FROM o WHERE c.id = o.id AND c.status = 'STARTED' AND c.lease_id = o.lease_id
    RETURNING c.id, c.attempt
)
INSERT INTO :schema.history (command_id, type, at, attempt, duration_ticks)
SELECT id, e.type, now(), attempt, CASE WHEN e.type = 'completed' THEN 10 END
FROM applied, (VALUES ('started'), ('completed')) e(type);
