namespace Durex.PostgreSql;

/// <summary>Table names, the migrations and the column list shared by every statement.</summary>
internal sealed class Schema
{
    /// <summary>Columns of the commands table in the order every statement reads and writes them.</summary>
    public const string Columns =
        "id, name, status, payload, attempt, retries, sequence, parent_id, priority, tags, unique_key, trace_id, correlation_id, " +
        "created_at, ready_at, started_at, completed_at, deadline_at, timeout_ticks, period_ticks, cron, cron_time_zone, error, " +
        "lease_owner, lease_id, lease_expires_at, awaited_by, fan_in_total, fan_in_pending, fan_in_failed, trace_parent";

    /// <summary>The active statuses (they hold a unique key).</summary>
    public const string Active = "('PENDING', 'WAITING', 'STARTED', 'REPEATING')";

    /// <summary>The claimable statuses.</summary>
    public const string Ready = "('PENDING', 'REPEATING')";

    /// <summary>Part of the by-name index's predicate: queries that want that index state it, the claim never does.</summary>
    public const string ByNameGuard = "seq > 0";

    public Schema(PostgresStoreOptions options)
    {
        Name = options.Schema;
        Prefix = options.TablePrefix;
        QuotedSchema = Quote(Name);
        Commands = $"{QuotedSchema}.{Quote(Prefix + "commands")}";
        History = $"{QuotedSchema}.{Quote(Prefix + "history")}";
        Versions = $"{QuotedSchema}.{Quote(Prefix + "schema_version")}";
        Counts = $"{QuotedSchema}.{Quote(Prefix + "status_counts")}";
        UniqueIndex = Prefix + "commands_unique_key";
        var channel = $"durex.{Name}.{Prefix}";
        Channel = channel.Length <= 63 ? channel : channel[..63];
    }

    public string Name { get; }

    public string Prefix { get; }

    public string QuotedSchema { get; }

    /// <summary>Qualified, quoted name of the commands table.</summary>
    public string Commands { get; }

    /// <summary>Qualified, quoted name of the history table.</summary>
    public string History { get; }

    /// <summary>Qualified, quoted name of the schema version table.</summary>
    public string Versions { get; }

    /// <summary>Qualified, quoted name of the per-status counters (see <see cref="CountShards"/>).</summary>
    public string Counts { get; }

    /// <summary>
    /// Rows of the counters table. A statement adds its deltas to the row of shard <c>pg_backend_pid() % CountShards</c>,
    /// so concurrent writers on different connections rarely wait for each other; readers sum the rows.
    /// </summary>
    public const int CountShards = 16;

    /// <summary>Every status with its column in the counters table, in enum order.</summary>
    public static readonly (CommandStatus Status, string Wire, string Column)[] CountColumns =
        Enum.GetValues<CommandStatus>().Select(s => (s, s.ToWireName(), s.ToWireName().ToLowerInvariant())).ToArray();

    /// <summary>The terminal statuses few rows reach: the partial index <c>commands_rare</c> holds exactly these rows.</summary>
    public static readonly CommandStatus[] Rare = [CommandStatus.Failed, CommandStatus.Expired, CommandStatus.Cancelled, CommandStatus.DeadLetter];

    /// <summary>A status list as SQL literals (wire names are fixed identifiers, never user input).</summary>
    public static string Literals(IEnumerable<CommandStatus> statuses) => "(" + string.Join(", ", statuses.Select(s => "'" + s.ToWireName() + "'")) + ")";

    /// <summary>Name of the partial unique index over active unique keys.</summary>
    public string UniqueIndex { get; }

    /// <summary>The LISTEN/NOTIFY channel.</summary>
    public string Channel { get; }

    public string Index(string name) => Quote(Prefix + name);

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The migrations, in order. Never edit a shipped one: append a new version.</summary>
    public IReadOnlyList<(int Version, string Description, string Sql)> Migrations() =>
    [
        (1, "commands, history, indexes", $"""
            CREATE TABLE {Commands} (
                seq              bigint GENERATED ALWAYS AS IDENTITY,
                id               uuid PRIMARY KEY,
                name             text NOT NULL,
                status           text NOT NULL CHECK (status IN ('PENDING', 'WAITING', 'STARTED', 'REPEATING', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED', 'DEAD_LETTER')),
                payload          bytea NOT NULL,
                attempt          integer NOT NULL,
                retries          integer,
                sequence         text[] NOT NULL,
                parent_id        uuid,
                priority         integer NOT NULL,
                tags             text[] NOT NULL,
                unique_key       text,
                trace_id         text,
                correlation_id   text,
                created_at       timestamptz NOT NULL,
                ready_at         timestamptz NOT NULL,
                started_at       timestamptz,
                completed_at     timestamptz,
                deadline_at      timestamptz,
                timeout_ticks    bigint,
                period_ticks     bigint,
                cron             text,
                cron_time_zone   text,
                error            text,
                lease_owner      text,
                lease_id         uuid,
                lease_expires_at timestamptz,
                awaited_by       uuid,
                fan_in_total     integer NOT NULL,
                fan_in_pending   integer NOT NULL,
                fan_in_failed    boolean NOT NULL
            );
            -- The claim: only ready-able rows are in it, in claim order.
            CREATE INDEX {Index("commands_claim")} ON {Commands} (priority DESC, ready_at, seq) WHERE status IN {Ready};
            -- Next ready time and ready counts per name. Its predicate carries a guard the claim does not state
            -- ({ByNameGuard}: always true, and on a column no claim filters by), so the planner can never serve a claim from it: on stale
            -- statistics it fetched every ready row by name and sorted them, 48k rows per claim.
            CREATE INDEX {Index("commands_ready_by_name")} ON {Commands} (name, ready_at) WHERE status IN {Ready} AND {ByNameGuard};
            -- Rescue of expired leases (only STARTED commands hold one). Not "WHERE status = 'STARTED'": the outcome and
            -- renewal statements test that status, and must not be offered this index instead of the primary key.
            CREATE INDEX {Index("commands_leases")} ON {Commands} (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
            -- Unique keys are held by active commands only.
            CREATE UNIQUE INDEX {Quote(UniqueIndex)} ON {Commands} (unique_key) WHERE unique_key IS NOT NULL AND status IN {Active};
            -- Queries (keyset paging), retention, fan-in, workflows.
            CREATE INDEX {Index("commands_created")} ON {Commands} (created_at, id);
            CREATE INDEX {Index("commands_completed")} ON {Commands} (completed_at) WHERE completed_at IS NOT NULL;
            CREATE INDEX {Index("commands_awaited_by")} ON {Commands} (awaited_by, seq) WHERE awaited_by IS NOT NULL;
            CREATE INDEX {Index("commands_parent")} ON {Commands} (parent_id) WHERE parent_id IS NOT NULL;
            CREATE INDEX {Index("commands_correlation")} ON {Commands} (correlation_id) WHERE correlation_id IS NOT NULL;
            -- Tagged active commands only (cancel by tag); untagged rows cost nothing here.
            CREATE INDEX {Index("commands_tags")} ON {Commands} USING gin (tags) WHERE status IN {Active} AND tags <> '{"{}"}';

            CREATE TABLE {History} (
                seq            bigint GENERATED ALWAYS AS IDENTITY,
                command_id     uuid NOT NULL,
                type           text NOT NULL,
                at             timestamptz NOT NULL,
                attempt        integer NOT NULL,
                error          text,
                duration_ticks bigint,
                message        text
            );
            CREATE INDEX {Index("history_command")} ON {History} (command_id, seq);
            """),
        // Nullable and without a default: PostgreSQL adds it without rewriting the table.
        (2, "trace context", $"ALTER TABLE {Commands} ADD COLUMN trace_parent text"),
        (3, "per-status counters, index of rare terminal statuses", CountersMigration()),
    ];

    private string Function(string name) => $"{QuotedSchema}.{Quote(Prefix + name)}";

    /// <summary>
    /// Version 3. The counters are kept by statement-level triggers with transition tables: whatever statement changes the
    /// commands table (the store's, a migration's, an operator's), its per-status deltas land in one counter row. The
    /// table is locked first, so no write can fall between the triggers' creation and the initial count.
    /// </summary>
    private string CountersMigration()
    {
        var columns = string.Join(", ", CountColumns.Select(c => c.Column));
        var definitions = string.Join(",\n    ", CountColumns.Select(c => $"{c.Column} bigint NOT NULL DEFAULT 0"));
        string Add() => string.Join(", ", CountColumns.Select(c => $"{c.Column} = k.{c.Column} + d.{c.Column}"));
        string Deltas() =>
            string.Join(", ", CountColumns.Select(c => $"coalesce(sum(x.d) FILTER (WHERE x.status = '{c.Wire}'), 0) AS {c.Column}"));
        var changed = string.Join(" OR ", CountColumns.Select(c => $"d.{c.Column} <> 0"));
        string Body(string rows) => $"""
            UPDATE {Counts} k SET {Add()}
            FROM (SELECT {Deltas()} FROM ({rows}) x) d
            WHERE k.shard = pg_backend_pid() % {CountShards} AND ({changed});
            RETURN NULL;
            """;
        string Define(string name, string rows) => $"""
            CREATE FUNCTION {Function(name)}() RETURNS trigger LANGUAGE plpgsql AS $durex$
            BEGIN
            {Body(rows)}
            END
            $durex$;
            """;
        var counted = string.Join(", ", CountColumns.Select(c => $"count(*) FILTER (WHERE status = '{c.Wire}')"));
        return $"""
            LOCK TABLE {Commands} IN SHARE ROW EXCLUSIVE MODE;
            CREATE TABLE {Counts} (
                shard smallint PRIMARY KEY,
                {definitions}
            );
            INSERT INTO {Counts} (shard) SELECT generate_series(0, {CountShards - 1});
            {Define("count_inserted", "SELECT status, 1 AS d FROM new_rows")}
            {Define("count_updated", "SELECT status, 1 AS d FROM new_rows UNION ALL SELECT status, -1 FROM old_rows")}
            {Define("count_deleted", "SELECT status, -1 AS d FROM old_rows")}
            CREATE FUNCTION {Function("count_truncated")}() RETURNS trigger LANGUAGE plpgsql AS $durex$
            BEGIN
            UPDATE {Counts} SET {string.Join(", ", CountColumns.Select(c => $"{c.Column} = 0"))};
            RETURN NULL;
            END
            $durex$;
            CREATE TRIGGER {Index("commands_count_inserted")} AFTER INSERT ON {Commands} REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION {Function("count_inserted")}();
            CREATE TRIGGER {Index("commands_count_updated")} AFTER UPDATE ON {Commands} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION {Function("count_updated")}();
            CREATE TRIGGER {Index("commands_count_deleted")} AFTER DELETE ON {Commands} REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION {Function("count_deleted")}();
            CREATE TRIGGER {Index("commands_count_truncated")} AFTER TRUNCATE ON {Commands}
                FOR EACH STATEMENT EXECUTE FUNCTION {Function("count_truncated")}();
            UPDATE {Counts} SET ({columns}) = (SELECT {counted} FROM {Commands}) WHERE shard = 0;
            -- Status filters that match few rows (the dead-letter view, "failed or dead"): only rows that reach one of these
            -- statuses enter, in keyset order. FindAsync states the statuses as literals so the planner can use it.
            CREATE INDEX {Index("commands_rare")} ON {Commands} (created_at, id) WHERE status IN {Literals(Rare)};
            """;
    }
}
