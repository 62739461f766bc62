namespace Durex.PostgreSql;

/// <summary>The hot statements, built once per store (fixed texts, so Npgsql prepares them automatically).</summary>
internal sealed class Sql
{
    /// <summary>Number of columns in <see cref="Schema.Columns"/> (a claim returns <c>seq</c> after them).</summary>
    public const int ColumnCount = 31;

    private const string Terminal = "('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED', 'DEAD_LETTER')";

    public Sql(Schema s)
    {
        var c = s.Commands;
        var h = s.History;
        var returning = string.Join(", ", Schema.Columns.Split(", ").Select(col => "c." + col));

        Insert = $"""
            WITH inserted AS (
                INSERT INTO {c} ({Schema.Columns})
                {CommandArrays.Select(1)}
                RETURNING id, created_at
            )
            INSERT INTO {h} (command_id, type, at, attempt) SELECT id, 'created', created_at, 0 FROM inserted
            """;

        // The claim's plan must not depend on statistics: a queue table's status mix swings faster than ANALYZE runs. The
        // one good plan walks the claim index in claim order and stops after the limit; on stale statistics the planner
        // preferred fetching every ready row and sorting them (48k rows per claim in the benchmark). The claim therefore
        // runs with sorting disabled (ClaimSettings) and the by-name index carries a guard in its predicate, so the claim
        // index is the only path left. Locked rows are updated by ctid (a TID scan, no index probe): FOR UPDATE holds them,
        // so their ctid cannot change before the UPDATE of the same statement.
        // $1 now, $2 names, $3 limit, $4 owner, $5 lease expiry [, $6 limited names, $7 their limits]
        const string update = """
            UPDATE {0} c SET status = 'STARTED', attempt = c.attempt + 1, started_at = $1, lease_owner = $4,
                             lease_id = gen_random_uuid(), lease_expires_at = $5
            FROM chosen WHERE c.ctid = chosen.ctid
            RETURNING {1}, c.seq
            """;
        Claim = $"""
            WITH chosen AS (
                SELECT ctid FROM {c}
                WHERE status IN {Schema.Ready} AND ready_at <= $1 AND name = ANY($2)
                ORDER BY priority DESC, ready_at, seq
                LIMIT $3
                FOR UPDATE SKIP LOCKED
            )
            {string.Format(update, c, returning)}
            """;
        ClaimWithLimits = $"""
            WITH free AS (
                SELECT ctid, priority, ready_at, seq FROM {c}
                WHERE status IN {Schema.Ready} AND ready_at <= $1 AND name = ANY($2)
                ORDER BY priority DESC, ready_at, seq
                LIMIT $3
                FOR UPDATE SKIP LOCKED
            ), limited AS (
                SELECT x.ctid, x.priority, x.ready_at, x.seq
                FROM unnest($6::text[], $7::int4[]) AS l(name, max)
                CROSS JOIN LATERAL (
                    SELECT ctid, priority, ready_at, seq FROM {c}
                    WHERE status IN {Schema.Ready} AND ready_at <= $1 AND name = l.name
                    ORDER BY priority DESC, ready_at, seq
                    LIMIT least(l.max, $3)
                    FOR UPDATE SKIP LOCKED
                ) x
            ), chosen AS (
                SELECT ctid FROM (SELECT * FROM free UNION ALL SELECT * FROM limited) candidates
                ORDER BY priority DESC, ready_at, seq
                LIMIT $3
            )
            {string.Format(update, c, returning)}
            """;

        NextReadyAt = $"""
            SELECT min(first.ready_at) FROM unnest($1::text[]) AS n(name)
            CROSS JOIN LATERAL (
                SELECT ready_at FROM {c} WHERE status IN {Schema.Ready} AND {Schema.ByNameGuard} AND name = n.name ORDER BY ready_at LIMIT 1
            ) first
            """;

        // Every UPDATE … FROM joins its parameter rows to the table by primary key and restricts the table by nothing an
        // index could serve (the lease index has its own predicate): the one cheap plan is then a loop over the parameter
        // rows probing the primary key, linear in the batch. An extra "id = ANY(…)" made the table side look like one
        // row and gave a nested loop rescanning the parameter rows for each command (quadratic: 55 ms for 300 outcomes).
        // $1..$9 outcomes, $10..$17 events, $18 channel, $19 notify payload, $20 child owners, $21..$50 children.
        Apply = $"""
            WITH o AS (
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int4[], $5::timestamptz[], $6::timestamptz[],
                                     $7::text[], $8::bool[], $9::bytea[])
                    AS o(id, lease_id, status, attempt, ready_at, completed_at, error, has_payload, payload)
            ), applied AS (
                UPDATE {c} c SET
                    status = o.status,
                    attempt = o.attempt,
                    ready_at = CASE WHEN o.status IN {Schema.Ready} THEN o.ready_at ELSE c.ready_at END,
                    completed_at = CASE WHEN o.status IN {Terminal} THEN o.completed_at ELSE c.completed_at END,
                    error = o.error,
                    payload = CASE WHEN o.has_payload THEN coalesce(o.payload, '') ELSE c.payload END,
                    lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL
                FROM o
                WHERE c.id = o.id AND c.status = 'STARTED' AND c.lease_id = o.lease_id
                RETURNING c.id, c.name, c.status, c.error, c.awaited_by, c.completed_at
            ), events AS (
                INSERT INTO {h} (command_id, type, at, attempt, error, duration_ticks, message)
                SELECT e.command_id, e.type, e.at, e.attempt, e.error, e.duration, e.message
                FROM unnest($10::uuid[], $11::uuid[], $12::text[], $13::timestamptz[], $14::int4[], $15::text[], $16::int8[], $17::text[])
                    WITH ORDINALITY AS e(owner, command_id, type, at, attempt, error, duration, message, ord)
                WHERE e.owner IN (SELECT id FROM applied)
                ORDER BY e.ord
            ), spawned AS (
                INSERT INTO {c} ({Schema.Columns})
                {CommandArrays.Select(21, ownerParameter: 20, where: "u.owner IN (SELECT id FROM applied)")}
                ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN {Schema.Active} DO NOTHING
                RETURNING id, created_at, status
            ), spawned_events AS (
                INSERT INTO {h} (command_id, type, at, attempt) SELECT id, 'created', created_at, 0 FROM spawned
            ), fan_in AS (
                UPDATE {c} w SET
                    fan_in_pending = w.fan_in_pending - f.done,
                    fan_in_failed = w.fan_in_failed OR f.failure IS NOT NULL,
                    error = coalesce(f.failure, w.error),
                    status = CASE WHEN f.failure IS NOT NULL OR w.fan_in_pending - f.done <= 0 THEN 'PENDING' ELSE w.status END,
                    ready_at = CASE WHEN f.failure IS NOT NULL OR w.fan_in_pending - f.done <= 0 THEN coalesce(f.at, w.created_at) ELSE w.ready_at END
                FROM (
                    SELECT awaited_by,
                           count(*) FILTER (WHERE status = 'COMPLETED') AS done,
                           (array_agg('Fan-in failed: child ' || name || ' (' || id::text || ') ended ' || status ||
                                      CASE WHEN error IS NULL OR error = '' THEN '.' ELSE ': ' || error END)
                               FILTER (WHERE status <> 'COMPLETED'))[1] AS failure,
                           max(completed_at) AS at
                    FROM applied
                    WHERE awaited_by IS NOT NULL AND status IN {Terminal}
                    GROUP BY awaited_by
                ) f
                WHERE w.id = f.awaited_by AND w.status = 'WAITING'
                RETURNING w.status
            ), work AS (
                SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM applied WHERE status IN {Schema.Ready})
                                   OR EXISTS (SELECT 1 FROM spawned WHERE status IN {Schema.Ready})
                                   OR EXISTS (SELECT 1 FROM fan_in WHERE status = 'PENDING')
            )
            SELECT 'r'::"char", o.id FROM o WHERE o.id NOT IN (SELECT id FROM applied)
            UNION ALL
            SELECT 's'::"char", k.id FROM unnest($20::uuid[], $21::uuid[]) AS k(owner, id)
                WHERE k.owner IN (SELECT id FROM applied) AND k.id NOT IN (SELECT id FROM spawned)
            UNION ALL
            SELECT 'w'::"char", NULL::uuid FROM work CROSS JOIN LATERAL (SELECT pg_notify($18, $19)) n
            """;

        // $1 ids, $2 lease ids, $3 new expiry
        Renew = $"""
            WITH l AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS l(id, lease_id)),
            renewed AS (
                UPDATE {c} c SET lease_expires_at = $3
                FROM l WHERE c.id = l.id AND c.status = 'STARTED' AND c.lease_id = l.lease_id
                RETURNING c.id
            )
            SELECT id FROM l WHERE id NOT IN (SELECT id FROM renewed)
            """;

        // $1 now, $2 except owner
        Rescue = $"""
            WITH expired AS (
                SELECT ctid, lease_owner, lease_expires_at FROM {c}
                WHERE lease_expires_at < $1 AND status = 'STARTED' AND lease_owner IS DISTINCT FROM $2
                FOR UPDATE SKIP LOCKED
            ), rescued AS (
                UPDATE {c} c SET status = 'PENDING', ready_at = $1, lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL
                FROM expired WHERE c.ctid = expired.ctid
                RETURNING c.id, c.attempt, expired.lease_owner AS old_owner, expired.lease_expires_at AS old_expiry
            ), events AS (
                INSERT INTO {h} (command_id, type, at, attempt, message)
                SELECT id, 'recovered', $1, attempt,
                       'Lease of ' || coalesce(old_owner, '') || ' expired at ' ||
                       to_char(old_expiry AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '0+00:00; the command is pending again.'
                FROM rescued
            )
            SELECT id FROM rescued
            """;
    }

    /// <summary>
    /// Run before a claim, in its transaction (see the constructor). JIT goes off with sorting: the penalty cost that
    /// disables a sort would otherwise make the per-name-limit claim (whose small final sort must stay) look expensive
    /// enough to be JIT-compiled on every execution.
    /// </summary>
    public const string ClaimSettings = "SELECT set_config('enable_sort', 'off', true), set_config('jit', 'off', true)";

    public string Insert { get; }

    public string Claim { get; }

    public string ClaimWithLimits { get; }

    public string NextReadyAt { get; }

    public string Apply { get; }

    public string Renew { get; }

    public string Rescue { get; }
}
