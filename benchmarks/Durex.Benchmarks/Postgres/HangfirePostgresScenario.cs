using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Durex.Benchmarks.Postgres;

/// <summary>Hangfire with Hangfire.PostgreSql, a fresh schema per run on the DUREX_POSTGRES server.</summary>
internal sealed class HangfirePostgresScenario : HangfireScenario
{
    public override string Name => "hangfire-postgres";

    public override string Group => "postgres";

    public override string Description => "Hangfire, Hangfire.PostgreSql (DUREX_POSTGRES, fresh schema): BackgroundJobClient.Enqueue, then BackgroundJobServer";

    public override int DefaultCount => 20_000;

    protected override JobStorage CreateStorage()
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = PostgresBench.NewSchema("hangfire"),
            PrepareSchemaIfNecessary = true,
            AllowUnsafeValues = true, // the 10 ms poll interval the other Hangfire scenarios use
            QueuePollInterval = TimeSpan.FromMilliseconds(10),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(PostgresBench.ConnectionString, options, null), options);
    }
}
