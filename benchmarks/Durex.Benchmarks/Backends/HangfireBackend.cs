using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;

namespace Durex.Benchmarks.Backends;

/// <summary>
/// One fresh Hangfire storage for one measured run, on the same kind of store (and the same PostgreSQL server) as
/// Durex. Every storage polls its queue every 10 ms (Hangfire's defaults are 1 s to 15 s: fairer to Hangfire).
/// </summary>
internal sealed class HangfireBackend : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private readonly string? _schema;

    private HangfireBackend(string store, JobStorage storage, string? schema)
    {
        Store = store;
        Storage = storage;
        _schema = schema;
    }

    public string Store { get; }

    public JobStorage Storage { get; }

    public static HangfireBackend Create(string store)
    {
        switch (store)
        {
            case Stores.Memory:
                return new HangfireBackend(store, new InMemoryStorage(new InMemoryStorageOptions()), null);
            case Stores.Sqlite:
                return new HangfireBackend(store, new SQLiteStorage(TempFiles.NewDatabase("hangfire"), new SQLiteStorageOptions { QueuePollInterval = Poll }), null);
            case Stores.Postgres:
                var options = new PostgreSqlStorageOptions
                {
                    SchemaName = PostgresServer.NewSchema("hangfire"),
                    PrepareSchemaIfNecessary = true,
                    AllowUnsafeValues = true, // needed for a poll interval under 1 s
                    QueuePollInterval = Poll,
                };
                return new HangfireBackend(store, new PostgreSqlStorage(new NpgsqlConnectionFactory(PostgresServer.ConnectionString, options, null), options), options.SchemaName);
            default:
                throw new ArgumentOutOfRangeException(nameof(store), store, "unknown store");
        }
    }

    public BackgroundJobServer StartServer(int workers) => new(
        new BackgroundJobServerOptions
        {
            WorkerCount = workers,
            ServerName = $"durex-bench-{Environment.ProcessId}-{Guid.NewGuid():N}",
            ShutdownTimeout = TimeSpan.FromSeconds(15),
            SchedulePollingInterval = Poll,
        },
        Storage);

    public Task<ServerCounters?> CountersAsync(bool startPhase) =>
        Store == Stores.Postgres ? PostgresServer.CountersAsync(startPhase).ContinueWith(t => (ServerCounters?)t.Result, TaskScheduler.Default) : Task.FromResult<ServerCounters?>(null);

    public void Dispose()
    {
        (Storage as IDisposable)?.Dispose();
        if (_schema is not null)
        {
            PostgresServer.DropSchemaAsync(_schema).GetAwaiter().GetResult();
        }
    }
}

/// <summary>Hangfire's jobs: public static methods that count their runs (Hangfire serializes the call expression).</summary>
public static class HangfireJobs
{
    internal static JobCounter Counter { get; } = new();

    internal static LatencyRecorder? Latency { get; set; }

    /// <summary>A no-op job.</summary>
    public static void Noop() => Counter.Increment();

    /// <summary>A job that records how long after <paramref name="enqueuedAt"/> (a Stopwatch timestamp) it started.</summary>
    public static void Probe(int index, long enqueuedAt) => Latency?.Record(index, enqueuedAt);
}
