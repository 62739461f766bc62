using Durex.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Durex.PostgreSql;

/// <summary>
/// The PostgreSQL store: many executor instances on one database. Claims take a batch in one statement
/// (<c>FOR UPDATE SKIP LOCKED</c> over a partial index of ready rows), outcomes are applied in one statement per batch,
/// large enqueues use binary <c>COPY</c>, and <c>LISTEN/NOTIFY</c> wakes the other instances.
/// </summary>
/// <remarks>
/// Tables live in <see cref="PostgresStoreOptions.Schema"/> and are created or migrated by <see cref="InitializeAsync"/>
/// (versioned, under an advisory lock, so instances may start together). Every method is safe to call concurrently.
/// </remarks>
public sealed partial class PostgresStore : ICommandStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly Schema _schema;
    private readonly PostgresStoreOptions _options;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly Lock _gate = new();
    private readonly Sql _sql;
    private readonly StoreObservers _observers = new();
    private Listener? _listener;
    private bool _disposed;

    /// <summary>Creates the store over <paramref name="dataSource"/> (which the caller keeps owning and disposes).</summary>
    /// <remarks>
    /// Statements are prepared automatically only if the data source's connection string sets <c>Max Auto Prepare</c>.
    /// </remarks>
    public PostgresStore(NpgsqlDataSource dataSource, PostgresStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _options = options ?? new PostgresStoreOptions();
        _options.Validate();
        _dataSource = dataSource;
        _schema = new Schema(_options);
        _sql = new Sql(_schema);
    }

    /// <summary>
    /// Creates the store and its own data source from <paramref name="connectionString"/> (disposed with the store).
    /// <c>Max Auto Prepare</c> is set to <see cref="PostgresStoreOptions.MaxAutoPrepare"/> and <c>No Reset On Close</c> to
    /// true (the store keeps no session state on its connections) unless the string sets them.
    /// </summary>
    public PostgresStore(string connectionString, PostgresStoreOptions? options = null)
        : this(options ?? new PostgresStoreOptions(), connectionString)
    {
    }

    private PostgresStore(PostgresStoreOptions options, string connectionString)
        : this(CreateDataSource(connectionString, options), options)
    {
        _ownsDataSource = true;
    }

    /// <summary>The schema holding the tables.</summary>
    public string SchemaName => _schema.Name;

    /// <summary>The LISTEN/NOTIFY channel of this store's tables.</summary>
    public string NotificationChannel => _schema.Channel;

    /// <summary>
    /// The data source the store uses. One the store built from a connection string skips the reset on close (see the
    /// constructor): do not rely on session state left on its connections.
    /// </summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>The schema version this library creates and understands.</summary>
    public int LatestSchemaVersion => _schema.Migrations()[^1].Version;

    private static NpgsqlDataSource CreateDataSource(string connectionString, PostgresStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        options.Validate(); // before a data source exists that an invalid option would leak
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0 && options.MaxAutoPrepare > 0 &&
            !connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = options.MaxAutoPrepare;
        }

        // The store leaves no session state on a connection (transaction-local settings and transaction-scoped advisory locks only; the
        // listener says UNLISTEN before it closes), so resetting each connection as it returns to the pool is pure cost:
        // about a third of the enqueue-to-start latency on a loaded machine. A connection string may still ask for it.
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("ResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return new NpgsqlSlimDataSourceBuilder(builder.ConnectionString).EnableArrays().Build();
    }

    // ------------------------------------------------------------------------------------------------ schema

    /// <inheritdoc />
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Instances starting together queue here; the loser then sees the winner's versions.
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(1146443096, hashtext($1))", connection, transaction))
        {
            command.Arg($"{_schema.Name}.{_schema.Prefix}", NpgsqlDbType.Text);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, $"""
            CREATE SCHEMA IF NOT EXISTS {_schema.QuotedSchema};
            CREATE TABLE IF NOT EXISTS {_schema.Versions} (
                version     integer PRIMARY KEY,
                description text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken).ConfigureAwait(false);

        int current;
        await using (var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {_schema.Versions}", connection, transaction))
        {
            current = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        foreach (var (version, description, sql) in _schema.Migrations())
        {
            if (version <= current)
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand($"INSERT INTO {_schema.Versions} (version, description) VALUES ($1, $2)", connection, transaction);
            record.Arg(version, NpgsqlDbType.Integer).Arg(description, NpgsqlDbType.Text);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The schema version recorded in the database (0 before <see cref="InitializeAsync"/>).</summary>
    public async ValueTask<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT CASE WHEN to_regclass($1) IS NULL THEN 0 ELSE (SELECT coalesce(max(version), 0) FROM {_schema.Versions}) END", connection);
        command.Arg(_schema.Versions, NpgsqlDbType.Text);
        try
        {
            return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ enqueue

    /// <inheritdoc />
    public async ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ThrowIfDisposed();
        if (commands.Count == 0)
        {
            return;
        }

        CheckBatchKeys(commands);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await InsertAsync(connection, null, commands, _instance, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw await TranslateDuplicateAsync(connection, e, commands, cancellationToken).ConfigureAwait(false);
        }

        _observers.WorkAvailable();
    }

    /// <summary>
    /// Inserts commands (with their created events) on <paramref name="connection"/>, inside <paramref name="transaction"/>
    /// when given (otherwise in a transaction of its own), and queues a NOTIFY delivered at commit.
    /// </summary>
    internal async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<CommandInstance> commands,
        string notifier, CancellationToken cancellationToken)
    {
        var notify = commands.Any(c => c.Status is CommandStatus.Pending or CommandStatus.Repeating);
        if (commands.Count <= _options.CopyThreshold)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            var insert = new NpgsqlBatchCommand(_sql.Insert);
            CommandArrays.Add(insert.Parameters, commands);
            batch.BatchCommands.Add(insert);
            if (notify)
            {
                batch.BatchCommands.Add(NotifyCommand(WorkPayload(notifier)));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var own = transaction is null ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            await CommandArrays.CopyAsync(connection, _schema, commands, cancellationToken).ConfigureAwait(false);
            if (notify)
            {
                await SendNotifyAsync(connection, WorkPayload(notifier), cancellationToken, transaction ?? own).ConfigureAwait(false);
            }

            if (own is not null)
            {
                await own.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    internal static void CheckBatchKeys(IReadOnlyList<CommandInstance> commands)
    {
        HashSet<string>? keys = null;
        foreach (var command in commands)
        {
            if (command.UniqueKey is { } key && command.Status.IsActive() && !(keys ??= new(StringComparer.Ordinal)).Add(key))
            {
                throw new DuplicateCommandException(key, null);
            }
        }
    }

    /// <summary>Turns a unique violation of an insert into the contract's exception (naming the holder when it can).</summary>
    internal async Task<Exception> TranslateDuplicateAsync(NpgsqlConnection connection, PostgresException error,
        IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken)
    {
        if (error.ConstraintName != _schema.UniqueIndex)
        {
            return error.ConstraintName is { } constraint && constraint.EndsWith("_pkey", StringComparison.Ordinal)
                ? new InvalidOperationException("A command with the same id already exists.", error)
                : error;
        }

        var keys = commands.Where(c => c.UniqueKey is not null).Select(c => c.UniqueKey!).Distinct().ToArray();
        if (connection.State == System.Data.ConnectionState.Open)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT unique_key, id FROM {_schema.Commands} WHERE unique_key = ANY($1) AND status IN {Schema.Active} LIMIT 1", connection);
            command.Arg(keys, NpgsqlDbType.Array | NpgsqlDbType.Text);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new DuplicateCommandException(reader.GetString(0), reader.GetGuid(1));
            }
        }

        // The holder finished meanwhile: still a conflict at insert time.
        return new DuplicateCommandException(keys.FirstOrDefault() ?? "?", null);
    }

    /// <summary><see cref="TranslateDuplicateAsync"/> on a connection of the store's own (the caller's transaction is aborted).</summary>
    internal async Task<Exception> TranslateDuplicateOutsideAsync(PostgresException error, IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await TranslateDuplicateAsync(connection, error, commands, cancellationToken).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------ claim

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        ThrowIfDisposed();

        var names = new List<string>(request.Names.Count);
        List<string>? limitedNames = null;
        List<int>? limits = null;
        foreach (var name in request.Names)
        {
            if (request.NameLimits is not null && request.NameLimits.TryGetValue(name, out var limit))
            {
                if (limit > 0)
                {
                    (limitedNames ??= []).Add(name);
                    (limits ??= []).Add(limit);
                }
            }
            else
            {
                names.Add(name);
            }
        }

        if (names.Count == 0 && limitedNames is null)
        {
            return [];
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One round trip: BEGIN; the transaction-local settings (Sql.ClaimSettings); the claim; COMMIT.
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql.ClaimSettings));
        var command = new NpgsqlBatchCommand(limitedNames is null ? _sql.Claim : _sql.ClaimWithLimits);
        batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        command.Arg(Rows.Utc(request.Now), NpgsqlDbType.TimestampTz)
            .Arg(names.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
            .Arg(request.Limit, NpgsqlDbType.Integer)
            .Arg(request.Owner, NpgsqlDbType.Text)
            .Arg(Rows.Utc(request.LeaseExpiresAt), NpgsqlDbType.TimestampTz);
        if (limitedNames is not null)
        {
            command.Arg(limitedNames.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
                .Arg(limits!.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer);
        }

        var claimed = new List<(CommandInstance Command, long Seq)>(Math.Min(request.Limit, 1024));
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // The first result is the settings' row (BEGIN returns none): the claimed rows come next.
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add((Rows.ReadCommand(reader), reader.GetInt64(Sql.ColumnCount)));
            }
        }

        // RETURNING has no order: hand them out in claim order.
        claimed.Sort(static (a, b) =>
        {
            var byPriority = b.Command.Priority.CompareTo(a.Command.Priority);
            if (byPriority != 0)
            {
                return byPriority;
            }

            var byTime = a.Command.ReadyAt.CompareTo(b.Command.ReadyAt);
            return byTime != 0 ? byTime : a.Seq.CompareTo(b.Seq);
        });
        return claimed.ConvertAll(c => c.Command);
    }

    /// <summary>The claim statement (tests EXPLAIN it): parameters now, names, limit, owner, lease expiry [, limited names, limits].</summary>
    internal string ClaimSql(bool withNameLimits) => withNameLimits ? _sql.ClaimWithLimits : _sql.Claim;

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        ThrowIfDisposed();
        if (names.Count == 0)
        {
            return null;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_sql.NextReadyAt, connection);
        command.Arg(names.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        // A ready time outside .NET's range (a row written outside Durex) is not worth failing the producer's loop for:
        // null leaves the wake-up to the poll interval, and the claim itself takes such a row when it is due.
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0) && Rows.TryReadTime(reader, 0, out var at)
            ? at
            : null;
    }

    // ------------------------------------------------------------------------------------------------ apply

    /// <inheritdoc />
    public async ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ThrowIfDisposed();
        if (outcomes.Count == 0)
        {
            return ApplyResult.AllApplied;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ApplyOnceAsync(outcomes, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (attempt < 5 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Two batches updated the same fan-in continuations in opposite orders: the statement rolled back; redo it.
            }
        }
    }

    private async Task<ApplyResult> ApplyOnceAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken)
    {
        var n = outcomes.Count;
        var ids = new Guid[n];
        var leases = new Guid[n];
        var statuses = new string[n];
        var attempts = new int[n];
        var readyAt = new DateTime[n];
        var completedAt = new DateTime?[n];
        var errors = new string?[n];
        var hasPayload = new bool[n];
        var payloads = new byte[]?[n];
        var eventCount = 0;
        var childCount = 0;
        for (var i = 0; i < n; i++)
        {
            var o = outcomes[i];
            ids[i] = o.CommandId;
            leases[i] = o.LeaseId;
            statuses[i] = o.Status.ToWireName();
            attempts[i] = o.Attempt;
            readyAt[i] = Rows.Utc(o.ReadyAt == default ? DateTimeOffset.UnixEpoch : o.ReadyAt);
            completedAt[i] = Rows.Utc(o.CompletedAt);
            errors[i] = o.Error;
            hasPayload[i] = o.Payload is not null;
            payloads[i] = o.Payload is { } p ? Rows.PayloadBytes(p) : null;
            eventCount += o.Events.Count;
            childCount += o.NewCommands.Count;
        }

        var eventOwner = new Guid[eventCount];
        var eventCommand = new Guid[eventCount];
        var eventType = new string[eventCount];
        var eventAt = new DateTime[eventCount];
        var eventAttempt = new int[eventCount];
        var eventError = new string?[eventCount];
        var eventDuration = new long?[eventCount];
        var eventMessage = new string?[eventCount];
        var childOwner = new Guid[childCount];
        var children = new List<CommandInstance>(childCount);
        var e = 0;
        foreach (var o in outcomes)
        {
            foreach (var ev in o.Events)
            {
                eventOwner[e] = o.CommandId;
                eventCommand[e] = ev.CommandId == Guid.Empty ? o.CommandId : ev.CommandId;
                eventType[e] = ev.Type.ToWireName();
                eventAt[e] = Rows.Utc(ev.Timestamp);
                eventAttempt[e] = ev.Attempt;
                eventError[e] = ev.Error;
                eventDuration[e] = ev.Duration?.Ticks;
                eventMessage[e] = ev.Message;
                e++;
            }

            foreach (var child in o.NewCommands)
            {
                childOwner[children.Count] = o.CommandId;
                children.Add(child);
            }
        }

        const NpgsqlDbType A = NpgsqlDbType.Array;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_sql.Apply, connection);
        command.Arg(ids, A | NpgsqlDbType.Uuid)
            .Arg(leases, A | NpgsqlDbType.Uuid)
            .Arg(statuses, A | NpgsqlDbType.Text)
            .Arg(attempts, A | NpgsqlDbType.Integer)
            .Arg(readyAt, A | NpgsqlDbType.TimestampTz)
            .Arg(completedAt, A | NpgsqlDbType.TimestampTz)
            .Arg(errors, A | NpgsqlDbType.Text)
            .Arg(hasPayload, A | NpgsqlDbType.Boolean)
            .Arg(payloads, A | NpgsqlDbType.Bytea)
            .Arg(eventOwner, A | NpgsqlDbType.Uuid)
            .Arg(eventCommand, A | NpgsqlDbType.Uuid)
            .Arg(eventType, A | NpgsqlDbType.Text)
            .Arg(eventAt, A | NpgsqlDbType.TimestampTz)
            .Arg(eventAttempt, A | NpgsqlDbType.Integer)
            .Arg(eventError, A | NpgsqlDbType.Text)
            .Arg(eventDuration, A | NpgsqlDbType.Bigint)
            .Arg(eventMessage, A | NpgsqlDbType.Text)
            .Arg(_schema.Channel, NpgsqlDbType.Text)
            .Arg(WorkPayload(_instance), NpgsqlDbType.Text)
            .Arg(childOwner, A | NpgsqlDbType.Uuid);
        CommandArrays.Add(command.Parameters, children);

        List<Guid>? rejected = null;
        List<Guid>? skipped = null;
        var work = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (reader.GetChar(0))
                {
                    case 'r':
                        (rejected ??= []).Add(reader.GetGuid(1));
                        break;
                    case 's':
                        (skipped ??= []).Add(reader.GetGuid(1));
                        break;
                    default:
                        work = true;
                        break;
                }
            }
        }

        if (work)
        {
            _observers.WorkAvailable();
        }

        return rejected is null && skipped is null ? ApplyResult.AllApplied : new ApplyResult(rejected ?? [], skipped ?? []);
    }

    // ------------------------------------------------------------------------------------------------ leases

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        ThrowIfDisposed();
        if (leases.Count == 0)
        {
            return [];
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_sql.Renew, connection);
        command.Arg(leases.Select(l => l.CommandId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid)
            .Arg(leases.Select(l => l.LeaseId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid)
            .Arg(Rows.Utc(expiresAt), NpgsqlDbType.TimestampTz);
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_sql.Rescue, connection);
        command.Arg(Rows.Utc(now), NpgsqlDbType.TimestampTz).ArgOrNull(exceptOwner, NpgsqlDbType.Text);
        var rescued = await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);

        if (rescued.Count > 0)
        {
            await SendNotifyAsync(connection, WorkPayload(_instance), cancellationToken).ConfigureAwait(false);
            _observers.WorkAvailable();
        }

        return rescued;
    }

    private static async Task<IReadOnlyList<Guid>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Listener? listener;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _observers.Clear();
            listener = _listener;
            _listener = null;
        }

        if (listener is not null)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
