using Durex.Benchmarks.Backends;

namespace Durex.Benchmarks.Scenarios;

/// <summary>A scenario: what it measures, its default sizes per store and library, and how each library runs it.</summary>
internal sealed record Scenario(
    string Name,
    string Description,
    Func<string, int> DurexJobs,
    Func<string, int> HangfireJobs,
    Func<BenchmarkOptions, string, int, CancellationToken, Task<IReadOnlyList<Result>>> Durex,
    Func<BenchmarkOptions, string, int, CancellationToken, Task<IReadOnlyList<Result>>> Hangfire);

/// <summary>Every scenario of the harness, in the order <c>all</c> runs them.</summary>
internal static class Catalog
{
    private static int Bulk(string store) => store == Stores.Memory ? 1_000_000 : 100_000;

    private static int HangfireBulk(string store) => store switch { Stores.Memory => 100_000, Stores.Sqlite => 2_000, _ => 3_000 };

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("enqueue", "N no-op commands enqueued one by one (single) and with AddManyAsync (bulk; COPY on PostgreSQL), nothing running",
            Bulk, HangfireBulk, DurexScenarios.EnqueueAsync, HangfireScenarios.EnqueueAsync),
        new("drain", "N pre-enqueued no-op commands: time from starting the executor until all are completed and persisted",
            Bulk, HangfireBulk, DurexScenarios.DrainAsync, HangfireScenarios.DrainAsync),
        new("e2e", "N no-op commands enqueued (chunks of 100) while the executor runs: time until all are done",
            Bulk, HangfireBulk, DurexScenarios.EndToEndAsync, HangfireScenarios.EndToEndAsync),
        new("latency", "N commands enqueued one at a time at --rate per second through a second store handle: enqueue-to-start p50/p95/p99/max",
            _ => 200, _ => 200, DurexScenarios.LatencyAsync, HangfireScenarios.LatencyAsync),
        new("workflow", "N/3 three-step sequences, then N/12 fan-outs of 10 children with a continuation: completed per second",
            s => s == Stores.Memory ? 300_000 : 60_000, s => s switch { Stores.Memory => 30_000, Stores.Sqlite => 600, _ => 900 },
            DurexScenarios.WorkflowAsync, HangfireScenarios.WorkflowAsync),
        new("scale", "drain of N no-op commands with --scale-small, then --scale-large completed commands (history included) already stored",
            s => s == Stores.Memory ? 200_000 : 50_000, _ => 0, DurexScenarios.ScaleAsync, HangfireScenarios.ScaleAsync),
        new("multi", "drain of N commands by 1, 2 and 4 executor processes on one PostgreSQL database, each command exactly once",
            _ => 100_000, _ => 0, DurexScenarios.MultiAsync, HangfireScenarios.MultiAsync),
        new("pgbench", "PostgreSQL alone running the drain's claim and apply SQL (pgbench, 2 connections, 500 a round): the server's share of a drain",
            _ => 100_000, _ => 0, PgbenchScenario.RunAsync, HangfireScenarios.NoEquivalentAsync),
    ];

    public static Scenario? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));
}
