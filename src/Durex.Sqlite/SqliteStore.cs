using System.Globalization;
using System.Text;
using Durex.Storage;
using Microsoft.Data.Sqlite;

namespace Durex.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Claims take a batch in one <c>BEGIN IMMEDIATE</c> transaction,
/// outcomes are applied in batches, history is persisted. Several executors in one process may share one store, and
/// several processes may share one file: the write lock guarantees that no command is claimed twice.
/// </summary>
/// <example><code>
/// await using var store = new SqliteStore("durex.db");
/// await using var executor = new Executor(store);
/// </code></example>
/// <remarks>
/// Stores on the same file in one process wake each other at once (new work, cancellations). Another process notices
/// new work at its executor's poll interval and a cancellation at its next lease renewal.
/// </remarks>
public sealed partial class SqliteStore : ICommandStore
{
    private const string Active = "status < 4";
    private const string Claimable = "status IN (0, 3)";
    private const int EventsPerInsert = 32;

    // Commands without a unique key are inserted many rows per statement: each statement that fires the status-counter
    // trigger pays for a statement journal, so fewer statements make bulk enqueue cheaper.
    private const int CommandsPerInsert = 16;

    private readonly SqliteConnections _connections;
    private readonly Schema _schema;
    private readonly StoreObservers _signals;
    private readonly string _insertCommand;
    private readonly string _insertCommands;
    private readonly string _insertEvent;
    private readonly string _applyOutcome;
    private readonly string _claimUpdate;
    private readonly string _insertEvents;
    private int _initialized;

    /// <summary>Opens (creating if needed) the database file at <paramref name="path"/>.</summary>
    /// <param name="path">A file path, or a full connection string (<c>Data Source=…;…</c>).</param>
    /// <param name="options">Table prefix, busy timeout, durability.</param>
    /// <exception cref="ArgumentException">The path is empty, or an option is invalid.</exception>
    public SqliteStore(string path, SqliteStoreOptions? options = null)
        : this(ToBuilder(path), options)
    {
    }

    /// <summary>Opens the database described by <paramref name="connectionString"/>.</summary>
    public SqliteStore(SqliteConnectionStringBuilder connectionString, SqliteStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (string.IsNullOrWhiteSpace(connectionString.DataSource))
        {
            throw new ArgumentException("The connection string has no Data Source: give the path of the database file.", nameof(connectionString));
        }

        if (connectionString.Mode == SqliteOpenMode.Memory || connectionString.DataSource == ":memory:")
        {
            throw new ArgumentException("An in-memory SQLite database lives in one connection and cannot be shared by the store's connections: use a file, or MemoryStore.", nameof(connectionString));
        }

        Options = options ?? new SqliteStoreOptions();
        Options.Validate();
        var builder = new SqliteConnectionStringBuilder(connectionString.ToString());
        _connections = new SqliteConnections(builder, Options);
        _schema = new Schema(Options.TablePrefix);
        _signals = SqliteSignals.For(Path.GetFullPath(builder.DataSource) + "|" + Options.TablePrefix);
        // The hot statements run as RawStatements bound by index: SQLite numbers named parameters in order of first
        // appearance, so @id… here are 1…31 in Schema.Columns order, and @p0… of the history insert are 1…224.
        _insertCommand = $"INSERT INTO {_schema.Commands} ({Schema.Columns}) VALUES ({string.Join(", ", Rows.ParameterNames)})";
        _insertCommands = $"INSERT INTO {_schema.Commands} ({Schema.Columns}) VALUES " + string.Join(", ", Enumerable.Range(0, CommandsPerInsert)
            .Select(row => "(" + string.Join(", ", Enumerable.Range(1, Rows.ParameterNames.Length).Select(k => $"?{row * Rows.ParameterNames.Length + k}")) + ")"));
        _applyOutcome = $"UPDATE {_schema.Commands} SET status = ?1, attempt = ?2, error = ?3, payload = coalesce(?4, payload), " +
            "lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, completed_at = ?5, ready_at = coalesce(?6, ready_at) " +
            "WHERE id = ?7 AND status = 2 AND lease_id = ?8 RETURNING awaited_by, name, error";
        _claimUpdate = $"UPDATE {_schema.Commands} SET status = 2, attempt = attempt + 1, started_at = ?1, lease_owner = ?2, lease_id = ?3, lease_expires_at = ?4 " +
            $"WHERE seq IN (SELECT value FROM json_each(?5)) RETURNING {Schema.Columns}";
        _insertEvent = $"INSERT INTO {_schema.History} (command_id, type, at, attempt, error, duration, message) VALUES (@command_id, @type, @at, @attempt, @error, @duration, @message)";
        _insertEvents = $"INSERT INTO {_schema.History} (command_id, type, at, attempt, error, duration, message) VALUES " +
            string.Join(", ", Enumerable.Range(0, EventsPerInsert).Select(i => string.Join(", ", Enumerable.Range(i * 7, 7).Select(k => "@p" + k)) is var row ? $"({row})" : ""));
    }

    /// <summary>Ready commands in claim order; the claim reads as many as it takes. Walks the claim index (pinned with INDEXED BY).</summary>
    internal string ClaimCandidatesSql =>
        $"SELECT seq, name FROM {_schema.Commands} INDEXED BY {_schema.Commands}_claim WHERE {Claimable} AND ready_at <= @now " +
        $"AND name IN (SELECT value FROM json_each(@names)) AND {Rows.ReadableId} ORDER BY priority DESC, ready_at, seq";

    /// <summary>The settings.</summary>
    public SqliteStoreOptions Options { get; }

    /// <summary>The database file.</summary>
    public string DataSource => _connections.DataSource;

    /// <inheritdoc />
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _initialized) == 1)
        {
            return;
        }

        // WAL is a property of the file; switching needs no open transaction.
        _connections.Read(connection =>
        {
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode = WAL";
            var mode = wal.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode for '{DataSource}' (journal mode is '{mode}'); Durex needs WAL so readers do not block the writer.");
            }

            return 0;
        });

        await _connections.WriteAsync(writer =>
        {
            writer.Execute($"CREATE TABLE IF NOT EXISTS {_schema.Version} (version INTEGER NOT NULL)");
            var current = Convert.ToInt32(writer.Command($"SELECT coalesce(max(version), 0) FROM {_schema.Version}").ExecuteScalar(), CultureInfo.InvariantCulture);
            var migrations = _schema.Migrations;
            if (current > migrations.Count)
            {
                throw new InvalidOperationException($"The database '{DataSource}' has Durex schema version {current}, newer than this version of Durex knows ({migrations.Count}). Upgrade Durex.");
            }

            for (var version = current + 1; version <= migrations.Count; version++)
            {
                using var migrate = writer.Connection.CreateCommand();
                migrate.CommandText = migrations[version - 1];
                migrate.ExecuteNonQuery();
                writer.Command($"INSERT INTO {_schema.Version} (version) VALUES (@v)").With("@v", version).ExecuteNonQuery();
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _initialized, 1);
    }

    /// <inheritdoc />
    public async ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        if (commands.Count == 0)
        {
            return;
        }

        CheckBatchKeys(commands);
        await _connections.WriteAsync(writer =>
        {
            Insert(writer, commands, skipHeldKeys: false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        if (commands.Any(c => c.Status is CommandStatus.Pending or CommandStatus.Repeating))
        {
            _signals.WorkAvailable();
        }
    }

    /// <summary>
    /// Inserts new commands inside a transaction the caller owns (transactional enqueue): they exist if and only if the
    /// caller commits. Used by <see cref="SqliteExecutorExtensions.AddAsync(Executor, CommandSpec, SqliteTransaction, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="DuplicateCommandException">A unique key is held; nothing was inserted (the transaction stays usable).</exception>
    public void Enqueue(SqliteTransaction transaction, IReadOnlyList<CommandInstance> commands)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(commands);
        if (commands.Count == 0)
        {
            return;
        }

        CheckBatchKeys(commands);
        var connection = transaction.Connection ?? throw new ArgumentException("The transaction is completed.", nameof(transaction));
        using var savepoint = connection.CreateCommand();
        savepoint.Transaction = transaction;
        savepoint.CommandText = "SAVEPOINT durex_enqueue";
        savepoint.ExecuteNonQuery();
        var commandsBySql = new Dictionary<string, SqliteCommand>(StringComparer.Ordinal);
        SqliteCommand Command(string sql)
        {
            if (!commandsBySql.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                commandsBySql[sql] = command;
            }

            return command;
        }

        RawStatement? insert = null;
        RawStatement Statement(string sql) => insert ??= new RawStatement(connection, sql);

        try
        {
            Insert(Command, Statement, commands, skipHeldKeys: false);
            savepoint.CommandText = "RELEASE durex_enqueue";
            savepoint.ExecuteNonQuery();
            WakeOnCommit(connection);
        }
        catch
        {
            savepoint.CommandText = "ROLLBACK TO durex_enqueue; RELEASE durex_enqueue";
            savepoint.ExecuteNonQuery();
            throw;
        }
        finally
        {
            foreach (var command in commandsBySql.Values)
            {
                command.Dispose();
            }

            insert?.Dispose();
        }
    }

    /// <summary>
    /// Wakes this file's executors when the caller's transaction commits. SQLite calls the hook while it still holds the
    /// write lock, so the wake-up is queued: the producer's claim then waits for the lock and sees the new rows. The
    /// hook stays on the connection (one per connection); a later commit only causes a spare wake-up.
    /// </summary>
    private void WakeOnCommit(SqliteConnection connection)
    {
        var signals = _signals;
        SQLitePCL.raw.sqlite3_commit_hook(connection.Handle, static state =>
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => ((StoreObservers)s!).WorkAvailable(), state);
            return 0;
        }, signals);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        var names = request.NameLimits is { } limits
            ? request.Names.Where(n => !limits.TryGetValue(n, out var left) || left > 0).ToArray()
            : request.Names;
        if (names.Count == 0)
        {
            return [];
        }

        var now = Rows.Time(request.Now);
        var leaseId = Guid.NewGuid(); // one fencing token per claim: a later claim of the same command gets another
        var claimed = await _connections.WriteAsync(writer =>
        {
            // Walk ready commands in claim order (the partial index), applying per-name limits, until the batch is full.
            var seqs = new List<long>(Math.Min(request.Limit, 1024));
            Dictionary<string, int>? taken = null;
            var candidates = writer.Command(ClaimCandidatesSql);
            using (var reader = candidates.With("@now", now).With("@names", Rows.List(names)).ExecuteReader())
            {
                while (seqs.Count < request.Limit && reader.Read())
                {
                    var name = reader.GetString(1);
                    if (request.NameLimits is { } nameLimits && nameLimits.TryGetValue(name, out var limit))
                    {
                        taken ??= new(StringComparer.Ordinal);
                        var count = taken.GetValueOrDefault(name);
                        if (count >= limit)
                        {
                            continue;
                        }

                        taken[name] = count + 1;
                    }

                    seqs.Add(reader.GetInt64(0));
                }
            }

            if (seqs.Count == 0)
            {
                return [];
            }

            var result = new List<CommandInstance>(seqs.Count);
            var update = writer.Statement(_claimUpdate);
            update.Bind(1, now);
            update.Bind(2, request.Owner);
            update.Bind(3, leaseId);
            update.Bind(4, Rows.Time(request.LeaseExpiresAt));
            update.Bind(5, SeqList(seqs));
            try
            {
                while (update.Step())
                {
                    result.Add(Rows.ReadCommand(update));
                }
            }
            finally
            {
                update.Reset();
            }

            return result;
        }, cancellationToken).ConfigureAwait(false);

        if (claimed.Count > 1)
        {
            // RETURNING has no order: hand them to the workers in claim order.
            claimed.Sort(static (a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority)
                : a.ReadyAt != b.ReadyAt ? a.ReadyAt.CompareTo(b.ReadyAt) : a.Id.CompareTo(b.Id));
        }

        return claimed;
    }

    /// <inheritdoc />
    public async ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0)
        {
            return ApplyResult.AllApplied;
        }

        var (result, work) = await _connections.WriteAsync(writer =>
        {
            List<Guid>? rejected = null;
            List<Guid>? skipped = null;
            var work = false;
            var events = new List<HistoryEvent>(outcomes.Count * 2);
            foreach (var outcome in outcomes)
            {
                var id = Rows.Id(outcome.CommandId);
                var lease = Rows.Id(outcome.LeaseId);
                if (outcome.NewCommands.Count > 0)
                {
                    // Children first, while this command still holds its unique key (as the memory store does).
                    var current = writer.Command($"SELECT 1 FROM {_schema.Commands} WHERE id = @id AND status = 2 AND lease_id = @lease");
                    if (current.With("@id", id).With("@lease", lease).ExecuteScalar() is null)
                    {
                        (rejected ??= []).Add(outcome.CommandId);
                        continue;
                    }

                    var notInserted = Insert(writer, outcome.NewCommands, skipHeldKeys: true);
                    if (notInserted.Count > 0)
                    {
                        (skipped ??= []).AddRange(notInserted);
                    }

                    work |= outcome.NewCommands.Any(c => c.Status == CommandStatus.Pending && !notInserted.Contains(c.Id));
                }

                var terminal = outcome.Status.IsTerminal();
                var update = writer.Statement(_applyOutcome);
                update.Bind(1, (long)outcome.Status);
                update.Bind(2, outcome.Attempt);
                update.Bind(3, outcome.Error);
                update.BindBlob(4, outcome.Payload is { } payload ? payload.Span : default, isNull: outcome.Payload is null);
                update.Bind(5, terminal ? (outcome.CompletedAt ?? outcome.ReadyAt).UtcTicks : (long?)null);
                update.Bind(6, terminal ? (long?)null : outcome.ReadyAt.UtcTicks);
                update.Bind(7, outcome.CommandId);
                update.Bind(8, outcome.LeaseId);
                Guid? awaitedBy;
                string name;
                string? error;
                try
                {
                    if (!update.Step())
                    {
                        (rejected ??= []).Add(outcome.CommandId);
                        continue;
                    }

                    // Read leniently: a bad value written outside Durex must not fail the whole batch of outcomes.
                    awaitedBy = update.GetValue(0) is byte[] { Length: 16 } waiting ? new Guid(waiting, bigEndian: true) : null;
                    name = update.GetString(1);
                    error = update.GetText(2);
                }
                finally
                {
                    update.Reset();
                }

                events.AddRange(outcome.Events);
                if (terminal)
                {
                    work |= OnTerminal(writer, outcome.CommandId, name, outcome.Status, error, awaitedBy, outcome.CompletedAt ?? outcome.ReadyAt);
                }
                else
                {
                    work = true;
                }
            }

            AddEvents(writer, events); // in one go: many rows per INSERT
            ApplyResult applied = rejected is null && skipped is null ? ApplyResult.AllApplied : new ApplyResult(rejected ?? [], skipped ?? []);
            return (applied, work);
        }, cancellationToken).ConfigureAwait(false);

        if (work)
        {
            _signals.WorkAvailable();
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            return ValueTask.FromResult<DateTimeOffset?>(null);
        }

        var next = _connections.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT ready_at FROM {_schema.Commands} INDEXED BY {_schema.Commands}_next WHERE {Claimable} AND name IN (SELECT value FROM json_each(@names)) ORDER BY ready_at LIMIT 1";
            command.With("@names", Rows.List(names));
            return command.ExecuteScalar() is long ticks ? Rows.ClampedTime(ticks) : (DateTimeOffset?)null;
        });
        return ValueTask.FromResult(next);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        if (leases.Count == 0)
        {
            return [];
        }

        return await _connections.WriteAsync<IReadOnlyList<Guid>>(writer =>
        {
            List<Guid>? lost = null;
            var renew = writer.Command($"UPDATE {_schema.Commands} SET lease_expires_at = @expires WHERE id = @id AND status = 2 AND lease_id = @lease");
            renew.With("@expires", Rows.Time(expiresAt));
            foreach (var lease in leases)
            {
                if (renew.With("@id", Rows.Id(lease.CommandId)).With("@lease", Rows.Id(lease.LeaseId)).ExecuteNonQuery() == 0)
                {
                    (lost ??= []).Add(lease.CommandId);
                }
            }

            return lost ?? [];
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default)
    {
        var rescued = await _connections.WriteAsync<IReadOnlyList<Guid>>(writer =>
        {
            var expired = new List<(long Seq, Guid Id, int Attempt, string? Owner, DateTimeOffset? Expiry)>();
            var find = writer.Command(
                $"SELECT seq, id, attempt, lease_owner, lease_expires_at FROM {_schema.Commands} WHERE status = 2 AND lease_expires_at < @now AND (@except IS NULL OR lease_owner IS NOT @except)");
            using (var reader = find.With("@now", Rows.Time(now)).With("@except", Rows.Text(exceptOwner)).ExecuteReader())
            {
                while (reader.Read())
                {
                    // Lenient: one row written outside Durex must not stop every rescue (the update goes by seq anyway).
                    expired.Add((reader.GetInt64(0), Rows.ReadIdLenient(reader, 1), reader.GetInt32(2), Rows.ReadText(reader, 3),
                        reader.IsDBNull(4) ? null : Rows.ClampedTime(reader.GetInt64(4))));
                }
            }

            var release = writer.Command(
                $"UPDATE {_schema.Commands} SET status = 0, lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, ready_at = @now WHERE seq = @seq");
            release.With("@now", Rows.Time(now));
            foreach (var row in expired)
            {
                release.With("@seq", row.Seq).ExecuteNonQuery();
                AddEvent(writer, new HistoryEvent(row.Id, HistoryEventType.Recovered, now, row.Attempt,
                    Message: $"Lease of {row.Owner} expired at {row.Expiry:O}; the command is pending again."));
            }

            return expired.Select(r => r.Id).ToArray();
        }, cancellationToken).ConfigureAwait(false);

        if (rescued.Count > 0)
        {
            _signals.WorkAvailable();
        }

        return rescued;
    }

    /// <inheritdoc />
    public async ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default)
    {
        var (command, work) = await _connections.WriteAsync(writer =>
        {
            var row = Get(writer.Connection, id) ?? throw new CommandNotFoundException(id);
            if (!row.Status.IsActive())
            {
                throw new InvalidCommandStateException(id, row.Status, "cancel");
            }

            var work = Cancel(writer, row, now, reason);
            return (Get(writer.Connection, id)!, work);
        }, cancellationToken).ConfigureAwait(false);

        _signals.Cancelled([id]);
        if (work)
        {
            _signals.WorkAvailable();
        }

        return command;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        var (cancelled, work) = await _connections.WriteAsync(writer =>
        {
            var rows = new List<CommandInstance>();
            var find = writer.Command(
                $"SELECT {Schema.Columns} FROM {_schema.Commands} WHERE {Active} AND {Rows.HasTag} AND {Rows.ReadableId}");
            using (var reader = find.With("@tag", tag).ExecuteReader())
            {
                while (reader.Read())
                {
                    rows.Add(Rows.ReadCommand(reader));
                }
            }

            var work = false;
            foreach (var row in rows)
            {
                work |= Cancel(writer, row, now, $"Cancelled by tag '{tag}'.");
            }

            return (rows.Select(r => r.Id).ToArray(), work);
        }, cancellationToken).ConfigureAwait(false);

        if (cancelled.Length > 0)
        {
            _signals.Cancelled(cancelled);
        }

        if (work)
        {
            _signals.WorkAvailable();
        }

        return cancelled;
    }

    /// <inheritdoc />
    public async ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default)
    {
        var command = await _connections.WriteAsync(writer =>
        {
            var row = Get(writer.Connection, id) ?? throw new CommandNotFoundException(id);
            if (row.Status is not (CommandStatus.Failed or CommandStatus.DeadLetter))
            {
                throw new InvalidCommandStateException(id, row.Status, "replay");
            }

            if (row.UniqueKey is { } key && HolderOf(writer, key) is { } holder)
            {
                throw new DuplicateCommandException(key, holder);
            }

            AddEvent(writer, new HistoryEvent(id, HistoryEventType.Replayed, now, 0, Message: message ?? $"Replayed from {row.Status.ToWireName()}."));
            writer.Command(
                    $"UPDATE {_schema.Commands} SET status = 0, attempt = 0, error = NULL, started_at = NULL, completed_at = NULL, fan_in_failed = 0, ready_at = @now WHERE id = @id")
                .With("@now", Rows.Time(now)).With("@id", Rows.Id(id)).ExecuteNonQuery();
            return Get(writer.Connection, id)!;
        }, cancellationToken).ConfigureAwait(false);

        _signals.WorkAvailable();
        return command;
    }

    /// <inheritdoc />
    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var statuses = request.Statuses.Where(s => s.IsTerminal()).Select(s => (int)s).Distinct().ToArray();
        if (statuses.Length == 0)
        {
            return 0;
        }

        return await _connections.WriteAsync(writer =>
        {
            // Children of a fan-in continuation that still waits are kept: it reads their results when it runs.
            var ids = new List<byte[]>();
            var delete = writer.Command(
                $"DELETE FROM {_schema.Commands} WHERE seq IN (SELECT c.seq FROM {_schema.Commands} c " +
                "WHERE c.status >= 4 AND c.status IN (SELECT value FROM json_each(@statuses)) AND c.completed_at < @before " +
                $"AND NOT EXISTS (SELECT 1 FROM {_schema.Commands} w WHERE c.awaited_by IS NOT NULL AND w.id = c.awaited_by AND w.{Active}) " +
                "LIMIT @limit) RETURNING id");
            using (var reader = delete.With("@statuses", "[" + string.Join(",", statuses) + "]")
                       .With("@before", Rows.Time(request.CompletedBefore)).With("@limit", request.Limit ?? -1).ExecuteReader())
            {
                while (reader.Read())
                {
                    ids.Add(reader.GetFieldValue<byte[]>(0));
                }
            }

            var history = writer.Command($"DELETE FROM {_schema.History} WHERE command_id = @id");
            foreach (var id in ids)
            {
                history.With("@id", id).ExecuteNonQuery();
            }

            return ids.Count;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_connections.Read(connection => Get(connection, id)));

    /// <inheritdoc />
    public IDisposable Subscribe(IStoreObserver observer) => _signals.Subscribe(observer);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _connections.Dispose();
        return ValueTask.CompletedTask;
    }

    private static SqliteConnectionStringBuilder ToBuilder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return path.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(path)
            : new SqliteConnectionStringBuilder { DataSource = path };
    }

    private static void CheckBatchKeys(IReadOnlyList<CommandInstance> commands)
    {
        HashSet<string>? keys = null;
        foreach (var command in commands)
        {
            if (command.UniqueKey is { } key && !(keys ??= new(StringComparer.Ordinal)).Add(key))
            {
                throw new DuplicateCommandException(key, null);
            }
        }
    }

    private static string SeqList(List<long> seqs)
    {
        var text = new StringBuilder(seqs.Count * 8).Append('[');
        for (var i = 0; i < seqs.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(seqs[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }
}
