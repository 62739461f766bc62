using System.Diagnostics;
using System.Globalization;
using Durex.PostgreSql;
using Durex.Storage;

namespace Durex.Benchmarks.Postgres;

/// <summary>
/// Durex on <see cref="PostgresStore"/> (a fresh schema per run on the DUREX_POSTGRES server): AddManyAsync in chunks
/// (binary COPY), then StartAsync + WaitForIdleAsync; also prints commits per job for both phases.
/// </summary>
internal sealed class DurexPostgresScenario : IScenario
{
    private const string CommandName = "noop";

    public string Name => "durex-postgres";

    public string Group => "postgres";

    public string System => Systems.Durex;

    public string Description => "Durex, PostgresStore (DUREX_POSTGRES, fresh schema): AddManyAsync (COPY), then StartAsync + WaitForIdleAsync";

    public int DefaultCount => 100_000;

    public async Task<ScenarioResult> RunAsync(BenchmarkOptions options, int count, CancellationToken cancellationToken)
    {
        var schema = PostgresBench.NewSchema("durex");
        var counter = new JobCounter();
        try
        {
            await using var store = new PostgresStore(PostgresBench.ConnectionString, new PostgresStoreOptions { Schema = schema });
            await store.InitializeAsync(cancellationToken);
            var executor = new Executor(store, o =>
            {
                o.Parallelism = options.Workers;
                o.ClaimBatchSize = options.ClaimBatch;
                o.ApplyBatchSize = options.ApplyBatch;
            });
            await using var executorLifetime = executor;
            executor.Handle(CommandName, (_, _) =>
            {
                counter.Increment();
                return ValueTask.FromResult(CommandResult.Empty);
            });

            var commitsBefore = await PostgresBench.CommitsAsync();
            var clock = Stopwatch.StartNew();
            var chunk = new List<CommandSpec>(Math.Min(options.Chunk, count));
            for (var added = 0; added < count;)
            {
                var size = Math.Min(options.Chunk, count - added);
                chunk.Clear();
                for (var i = 0; i < size; i++)
                {
                    chunk.Add(new CommandSpec(CommandName));
                }

                await executor.AddManyAsync(chunk, cancellationToken);
                added += size;
            }

            var enqueue = clock.Elapsed;
            var commitsEnqueued = await PostgresBench.CommitsAsync();

            using var drainLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drainLimit.CancelAfter(options.Timeout);
            using var progressStop = new CancellationTokenSource();
            var progress = options.Progress ? counter.ReportProgressAsync(Name, count, progressStop.Token) : Task.CompletedTask;
            var timedOut = false;
            clock.Restart();
            await executor.StartAsync(cancellationToken);
            try
            {
                await executor.WaitForIdleAsync(drainLimit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                timedOut = true;
            }

            var drain = clock.Elapsed;
            var executed = counter.Value;
            await progressStop.CancelAsync();
            await progress;

            clock.Restart();
            await executor.StopAsync(CancellationToken.None);
            var shutdown = clock.Elapsed;
            var commitsDrained = await PostgresBench.CommitsAsync();
            // Each CommitsAsync call is one transaction of its own; leave it out.
            PostgresBench.Report(Name, "enqueue", commitsEnqueued - commitsBefore - 1, count);
            PostgresBench.Report(Name, "drain+stop", commitsDrained - commitsEnqueued - 1, count);

            var statistics = await store.GetStatisticsAsync(new() { Now = DateTimeOffset.UtcNow }, CancellationToken.None);
            var completed = statistics.Counts[CommandStatus.Completed];
            var problem = completed == count || timedOut
                ? null
                : string.Create(CultureInfo.InvariantCulture, $"the store reports {completed:N0} completed of {count:N0}");
            return new ScenarioResult(Name, Group, System, count, options.Workers, enqueue, drain, executed, shutdown, problem)
            {
                TimedOut = timedOut,
            };
        }
        finally
        {
            await PostgresBench.DropSchemaAsync(schema);
        }
    }
}
