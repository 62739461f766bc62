using Durex.PostgreSql;
using Durex.Storage;

namespace Durex.Benchmarks.Postgres;

/// <summary>
/// Durex on <see cref="PostgresStore"/> (a fresh schema per run on the DUREX_POSTGRES server): AddManyAsync in chunks
/// (binary COPY), then StartAsync + WaitForIdleAsync; also prints commits per job for both phases.
/// </summary>
internal sealed class DurexPostgresScenario : DurexScenario
{
    private string? _schema;
    private long _commits;

    public override string Name => "durex-postgres";

    public override string Group => "postgres";

    public override string Description => "Durex, PostgresStore (DUREX_POSTGRES, fresh schema): AddManyAsync (COPY), then StartAsync + WaitForIdleAsync";

    public override int DefaultCount => 100_000;

    protected override async Task<ICommandStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresBench.NewSchema("durex");
        var store = new PostgresStore(PostgresBench.ConnectionString, new PostgresStoreOptions { Schema = _schema });
        await store.InitializeAsync(cancellationToken);
        _commits = await PostgresBench.CommitsAsync();
        return store;
    }

    protected override async Task<ICommandStore?> OpenSecondHandleAsync(CancellationToken cancellationToken)
    {
        var client = new PostgresStore(PostgresBench.ConnectionString, new PostgresStoreOptions { Schema = _schema! });
        await client.InitializeAsync(cancellationToken);
        return client;
    }

    protected override async Task OnPhaseAsync(RunPhase phase, int count)
    {
        switch (phase)
        {
            case RunPhase.Enqueued or RunPhase.Stopped:
                var commits = await PostgresBench.CommitsAsync();
                // Each CommitsAsync call is one transaction of its own; leave it out.
                PostgresBench.Report(Name, phase == RunPhase.Enqueued ? "enqueue" : "drain+stop", commits - _commits - 1, count);
                _commits = commits;
                break;
            case RunPhase.Disposed when _schema is not null:
                await PostgresBench.DropSchemaAsync(_schema);
                _schema = null;
                break;
        }
    }
}
