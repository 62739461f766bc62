namespace Durex.Sqlite;

/// <summary>Table names and the versioned migrations of one store.</summary>
/// <remarks>
/// Statuses are stored as their <see cref="CommandStatus"/> numbers: active ones are below 4 (pending 0, waiting 1,
/// started 2, repeating 3), so "active" is <c>status &lt; 4</c>. Times are UTC ticks (100 ns), durations ticks, ids
/// 16-byte big-endian blobs (they sort like the ids). The "created" history event is not stored: it is the row's
/// creation time, so an enqueue writes one row per command.
/// </remarks>
internal sealed class Schema(string prefix)
{
    public string Commands { get; } = prefix + "commands";

    public string History { get; } = prefix + "history";

    public string Version { get; } = prefix + "schema_version";

    /// <summary>
    /// Status transitions counted by the triggers of migration 3: row <c>k = from * 16 + to</c> holds how many rows went
    /// from status <c>from</c> to status <c>to</c>, with <c>from</c> = 15 for inserted rows and <c>to</c> = 15 for deleted
    /// ones. A status's count is what entered it minus what left it. One transition is one single-row update (a count per
    /// status needs two, the old status's and the new one's: measured, the claim and apply paid about a fifth more).
    /// </summary>
    public string Counts { get; } = prefix + "status_counts";

    /// <summary>The "from" of an insert's counter row: <c>k = 240 + status</c>.</summary>
    public const int CountCreated = 15 * 16;

    /// <summary>The "to" of a delete's counter row: <c>k = status * 16 + 15</c>.</summary>
    public const int CountDeleted = 15;

    /// <summary>
    /// The retention index <c>(status, completed_at) WHERE status &gt;= 4</c>: filters on rare terminal statuses read
    /// their rows through it instead of walking every row's <c>(created_at, id)</c>.
    /// </summary>
    public string TerminalIndex => Commands + "_terminal";

    /// <summary>The <c>(created_at, id)</c> index every keyset page walks; search windows are measured along it.</summary>
    public string CreatedIndex => Commands + "_created";

    /// <summary>The terminal index's predicate, as a query must state it for SQLite to use the partial index.</summary>
    public const string TerminalPredicate = "status >= 4";

    /// <summary>Every column of a command row, in the order <see cref="Rows.ReadCommand(Microsoft.Data.Sqlite.SqliteDataReader, int)"/> reads them.</summary>
    public const string Columns =
        "id, name, status, payload, attempt, retries, sequence, parent_id, priority, tags, unique_key, trace_id, correlation_id, " +
        "created_at, ready_at, started_at, completed_at, deadline_at, timeout, period, cron, cron_tz, error, lease_owner, lease_id, " +
        "lease_expires_at, awaited_by, fan_in_total, fan_in_pending, fan_in_failed, trace_parent";

    /// <summary>Migrations in order; each runs once, in the transaction that records its version.</summary>
    public IReadOnlyList<string> Migrations =>
    [
        $"""
        CREATE TABLE {Commands} (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE,
            name TEXT NOT NULL,
            status INTEGER NOT NULL,
            payload BLOB,
            attempt INTEGER NOT NULL DEFAULT 0,
            retries INTEGER,
            sequence TEXT,
            parent_id BLOB,
            priority INTEGER NOT NULL DEFAULT 0,
            tags TEXT,
            unique_key TEXT,
            trace_id TEXT,
            correlation_id TEXT,
            created_at INTEGER NOT NULL,
            ready_at INTEGER NOT NULL,
            started_at INTEGER,
            completed_at INTEGER,
            deadline_at INTEGER,
            timeout INTEGER,
            period INTEGER,
            cron TEXT,
            cron_tz TEXT,
            error TEXT,
            lease_owner TEXT,
            lease_id BLOB,
            lease_expires_at INTEGER,
            awaited_by BLOB,
            fan_in_total INTEGER NOT NULL DEFAULT 0,
            fan_in_pending INTEGER NOT NULL DEFAULT 0,
            fan_in_failed INTEGER NOT NULL DEFAULT 0
        );
        -- Claims walk this in claim order and stop at the batch size.
        CREATE INDEX {Commands}_claim ON {Commands} (priority DESC, ready_at, seq) WHERE status IN (0, 3);
        -- The producer's "when is the next one due".
        CREATE INDEX {Commands}_next ON {Commands} (ready_at) WHERE status IN (0, 3);
        CREATE UNIQUE INDEX {Commands}_unique_key ON {Commands} (unique_key) WHERE unique_key IS NOT NULL AND status < 4;
        CREATE INDEX {Commands}_leases ON {Commands} (lease_expires_at) WHERE status = 2;
        CREATE INDEX {Commands}_awaited_by ON {Commands} (awaited_by) WHERE awaited_by IS NOT NULL;
        CREATE INDEX {Commands}_correlation ON {Commands} (correlation_id, created_at);
        CREATE INDEX {Commands}_created ON {Commands} (created_at, id);
        -- Retention: terminal rows by age.
        CREATE INDEX {Commands}_terminal ON {Commands} (status, completed_at) WHERE status >= 4;
        CREATE TABLE {History} (
            seq INTEGER PRIMARY KEY,
            command_id BLOB NOT NULL,
            type INTEGER NOT NULL,
            at INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            error TEXT,
            duration INTEGER,
            message TEXT
        );
        CREATE INDEX {History}_command ON {History} (command_id, seq);
        """,
        // 2: the W3C trace context of the span that enqueued a command, so its attempts' spans join that trace.
        $"ALTER TABLE {Commands} ADD COLUMN trace_parent TEXT",
        // 3: per-status counts kept by the database, so no code path can forget them, and the statistics read at most
        // 256 small rows instead of counting the table. The migration runs in the writer's transaction, so the count is exact.
        // (No new index for rare statuses: a partial index whose predicate names status made every claim and outcome
        // update markedly slower; such filters read the existing terminal index instead.)
        $"""
        CREATE TABLE {Counts} (k INTEGER PRIMARY KEY, n INTEGER NOT NULL);
        WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < 255) INSERT INTO {Counts} (k, n) SELECT i, 0 FROM g;
        UPDATE {Counts} SET n = g.n FROM (SELECT {CountCreated} + status AS k, count(*) AS n FROM {Commands} GROUP BY status) g WHERE {Counts}.k = g.k;
        CREATE TRIGGER {Commands}_count_insert AFTER INSERT ON {Commands}
        BEGIN
            UPDATE {Counts} SET n = n + 1 WHERE k = {CountCreated} + NEW.status;
        END;
        CREATE TRIGGER {Commands}_count_update AFTER UPDATE OF status ON {Commands} WHEN OLD.status <> NEW.status
        BEGIN
            UPDATE {Counts} SET n = n + 1 WHERE k = OLD.status * 16 + NEW.status;
        END;
        CREATE TRIGGER {Commands}_count_delete AFTER DELETE ON {Commands}
        BEGIN
            UPDATE {Counts} SET n = n + 1 WHERE k = OLD.status * 16 + {CountDeleted};
        END;
        """,
    ];
}
