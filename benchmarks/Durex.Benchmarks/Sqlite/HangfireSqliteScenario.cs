using Hangfire;
using Hangfire.Storage.SQLite;

namespace Durex.Benchmarks.Sqlite;

/// <summary>Hangfire with Hangfire.Storage.SQLite: a new database file per run.</summary>
internal sealed class HangfireSqliteScenario : HangfireScenario
{
    public override string Name => "hangfire-sqlite";

    public override string Group => "sqlite";

    public override string Description => "Hangfire, Hangfire.Storage.SQLite (new file): BackgroundJobClient.Enqueue, then BackgroundJobServer";

    public override int DefaultCount => 5_000;

    protected override JobStorage CreateStorage() =>
        new SQLiteStorage(TempFiles.NewDatabase("hangfire"), new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(10) });
}
