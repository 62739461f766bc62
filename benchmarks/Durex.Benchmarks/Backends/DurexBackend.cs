using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;

namespace Durex.Benchmarks.Backends;

/// <summary>
/// One fresh, empty Durex store for one measured run (a new file, a new schema), plus what some scenarios need
/// around it: a second handle as another process would open it, server counters, bulk prefill. Dispose drops it.
/// </summary>
internal abstract class DurexBackend : IAsyncDisposable
{
    private readonly List<ICommandStore> _handles = [];

    public abstract string Store { get; }

    /// <summary>Every store handle opened so far.</summary>
    protected IReadOnlyList<ICommandStore> Handles => _handles;

    /// <summary>The store the executors of the run use.</summary>
    public ICommandStore Primary { get; private set; } = null!;

    public static async Task<DurexBackend> CreateAsync(string store, CancellationToken cancellationToken)
    {
        DurexBackend backend = store switch
        {
            Stores.Memory => new MemoryBackend(),
            Stores.Sqlite => new SqliteBackend(),
            Stores.Postgres => new PostgresBackend(),
            _ => throw new ArgumentOutOfRangeException(nameof(store), store, "unknown store"),
        };
        backend.Primary = await backend.OpenHandleAsync(cancellationToken);
        return backend;
    }

    /// <summary>
    /// A second handle on the same store, as another process would open it (PostgreSQL: its own data source, so
    /// executors on the primary hear of its inserts through NOTIFY only). The memory store has one handle only.
    /// </summary>
    public async Task<ICommandStore> OpenSecondHandleAsync(CancellationToken cancellationToken) =>
        this is MemoryBackend ? Primary : await OpenHandleAsync(cancellationToken);

    /// <summary>Commits and statements so far (null where the store has no server).</summary>
    public virtual Task<ServerCounters?> CountersAsync(bool startPhase) => Task.FromResult<ServerCounters?>(null);

    /// <summary>Connection details for a worker process of the <c>multi</c> scenario (PostgreSQL only).</summary>
    public virtual string? WorkerArguments => null;

    /// <summary>Fills the store with <paramref name="count"/> completed no-op commands and their history.</summary>
    public abstract Task PrefillCompletedAsync(int count, CancellationToken cancellationToken);

    public async ValueTask DisposeAsync()
    {
        for (var i = _handles.Count - 1; i >= 0; i--)
        {
            await _handles[i].DisposeAsync();
        }

        await DropAsync();
    }

    protected abstract Task<ICommandStore> CreateHandleAsync(CancellationToken cancellationToken);

    protected virtual Task DropAsync() => Task.CompletedTask;

    private async Task<ICommandStore> OpenHandleAsync(CancellationToken cancellationToken)
    {
        var handle = await CreateHandleAsync(cancellationToken);
        _handles.Add(handle);
        await handle.InitializeAsync(cancellationToken);
        return handle;
    }

    /// <summary>Prefill through the engine itself: enqueue and drain no-op commands (what the memory store needs).</summary>
    protected async Task DrainNoopsAsync(int count, CancellationToken cancellationToken)
    {
        await using var executor = new Executor(Primary, o =>
        {
            o.Parallelism = 8;
            o.ClaimBatchSize = 500;
            o.ApplyBatchSize = 1000;
        });
        executor.Handle("prefill", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        for (var added = 0; added < count; added += 10_000)
        {
            await executor.AddManyAsync(Enumerable.Range(0, Math.Min(10_000, count - added)).Select(_ => new CommandSpec("prefill")).ToArray(), cancellationToken);
        }

        await executor.StartAsync(cancellationToken);
        await executor.WaitForIdleAsync(cancellationToken);
        await executor.StopAsync(CancellationToken.None);
    }
}

internal sealed class MemoryBackend : DurexBackend
{
    public override string Store => Stores.Memory;

    public override Task PrefillCompletedAsync(int count, CancellationToken cancellationToken) => DrainNoopsAsync(count, cancellationToken);

    protected override Task<ICommandStore> CreateHandleAsync(CancellationToken cancellationToken) => Task.FromResult<ICommandStore>(new MemoryStore());
}

internal sealed class SqliteBackend : DurexBackend
{
    private readonly string _path = TempFiles.NewDatabase("durex");

    public override string Store => Stores.Sqlite;

    public override Task PrefillCompletedAsync(int count, CancellationToken cancellationToken) => DrainNoopsAsync(count, cancellationToken);

    protected override Task<ICommandStore> CreateHandleAsync(CancellationToken cancellationToken) => Task.FromResult<ICommandStore>(new SqliteStore(_path));
}

internal sealed class PostgresBackend : DurexBackend
{
    private readonly string _schema = PostgresServer.NewSchema("durex");

    public override string Store => Stores.Postgres;

    public override string WorkerArguments => $"--schema {_schema}";

    public override async Task<ServerCounters?> CountersAsync(bool startPhase) =>
        await PostgresServer.CountersAsync(startPhase, Handles.OfType<PostgresStore>().Select(s => s.DataSource));

    /// <summary>One INSERT … generate_series: the rows and their three history events, as a drained command leaves them.</summary>
    public override async Task PrefillCompletedAsync(int count, CancellationToken cancellationToken)
    {
        await PostgresServer.ExecuteAsync(cancellationToken,
            $"""
            INSERT INTO "{_schema}".commands (id, name, status, payload, attempt, sequence, priority, tags, created_at, ready_at,
                                              started_at, completed_at, fan_in_total, fan_in_pending, fan_in_failed)
            SELECT gen_random_uuid(), 'prefill', 'COMPLETED', '\x7b7d', 1, '{"{}"}', 0, '{"{}"}', t, t, t, t, 0, 0, false
            FROM (SELECT now() - interval '1 hour' + g * interval '1 microsecond' AS t FROM generate_series(1, {count}) g) s
            """,
            $"""
            INSERT INTO "{_schema}".history (command_id, type, at, attempt)
            SELECT id, e.type, created_at, e.attempt FROM "{_schema}".commands, (VALUES ('created', 0), ('started', 1), ('completed', 1)) e(type, attempt)
            WHERE status = 'COMPLETED'
            """,
            $"""VACUUM ANALYZE "{_schema}".commands""",
            $"""VACUUM ANALYZE "{_schema}".history""");
    }

    protected override Task<ICommandStore> CreateHandleAsync(CancellationToken cancellationToken) =>
        Task.FromResult<ICommandStore>(new PostgresStore(PostgresServer.ConnectionString, new PostgresStoreOptions { Schema = _schema }));

    /// <summary>Completed commands whose one attempt was their only one (the exactly-once check of <c>multi</c>).</summary>
    public Task<long> CompletedAtFirstAttemptAsync() =>
        PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".commands WHERE status = 'COMPLETED' AND attempt = 1");

    protected override Task DropAsync() => PostgresServer.DropSchemaAsync(_schema);
}
