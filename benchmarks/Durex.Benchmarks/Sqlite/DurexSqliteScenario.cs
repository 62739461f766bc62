using Durex.Sqlite;
using Durex.Storage;

namespace Durex.Benchmarks.Sqlite;

/// <summary>Durex on <see cref="SqliteStore"/>: a new WAL database file per run.</summary>
internal sealed class DurexSqliteScenario : DurexScenario
{
    public override string Name => "durex-sqlite";

    public override string Group => "sqlite";

    public override string Description => "Durex, SqliteStore (new file, WAL, synchronous=NORMAL): AddManyAsync, then StartAsync + WaitForIdleAsync";

    public override int DefaultCount => 100_000;

    protected override async Task<ICommandStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        var store = new SqliteStore(TempFiles.NewDatabase("durex"));
        await store.InitializeAsync(cancellationToken);
        return store;
    }
}
