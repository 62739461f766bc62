using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Durex.Benchmarks.Memory;
using Durex.Benchmarks.Postgres;
using Durex.Benchmarks.Sqlite;
using Durex.Storage;

namespace Durex.Benchmarks;

/// <summary>
/// Enqueue-to-start latency: a running, idle executor; commands enqueued one at a time at a steady rate through a
/// second store handle (for PostgreSQL a separate data source, so the executor hears of them by NOTIFY alone, as it
/// would from another process); each latency runs from just before the insert to the first line of the handler.
/// </summary>
internal static class LatencyRun
{
    private const string CommandName = "probe";
    private const int WarmupCommands = 50;

    public static IReadOnlyList<string> Stores { get; } = ["memory", "sqlite", "postgres"];

    /// <summary>The scenario whose store a <c>latency-STORE</c> target measures, or null for another target.</summary>
    public static DurexScenario? ScenarioFor(string target) => target switch
    {
        "latency-memory" => new DurexMemoryScenario(),
        "latency-sqlite" => new DurexSqliteScenario(),
        "latency-postgres" => new DurexPostgresScenario(),
        _ => null,
    };

    public static async Task<LatencyResult> RunAsync(
        string store, ICommandStore executorStore, ICommandStore client, BenchmarkOptions options, int count, CancellationToken cancellationToken)
    {
        var total = WarmupCommands + count;
        var enqueuedAt = new ConcurrentDictionary<Guid, (int Index, long Timestamp)>();
        var latencies = new double[total];
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var executor = new Executor(executorStore, o =>
        {
            o.Parallelism = options.Workers;
            o.ClaimBatchSize = options.ClaimBatch;
            o.ApplyBatchSize = options.ApplyBatch;
        });
        executor.Handle(CommandName, (ctx, _) =>
        {
            var now = Stopwatch.GetTimestamp();
            if (enqueuedAt.TryGetValue(ctx.Id, out var enqueued))
            {
                latencies[enqueued.Index] = Stopwatch.GetElapsedTime(enqueued.Timestamp, now).TotalMilliseconds;
                if (Interlocked.Increment(ref started) == total)
                {
                    allStarted.TrySetResult();
                }
            }

            return ValueTask.FromResult(CommandResult.Empty);
        });
        await executor.StartAsync(cancellationToken);

        // The first commands warm up the JIT and the connection pools; they are not reported.
        var clock = Stopwatch.StartNew();
        var interval = Stopwatch.Frequency / (double)options.Rate;
        var origin = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            await WaitUntilAsync(origin + (long)(i * interval), cancellationToken);
            var command = executor.CreateCommand(new CommandSpec(CommandName));
            enqueuedAt[command.Id] = (i, Stopwatch.GetTimestamp());
            await client.EnqueueAsync([command], cancellationToken);
        }

        var sending = clock.Elapsed;
        var timedOut = !await Task.WhenAny(allStarted.Task, Task.Delay(options.Timeout, cancellationToken)).ContinueWith(t => t.Result == allStarted.Task, TaskScheduler.Default);
        await executor.StopAsync(CancellationToken.None);

        var measured = latencies.AsSpan(WarmupCommands).ToArray();
        Array.Sort(measured);
        return new LatencyResult(store, count, options.Rate, options.Workers, count / sending.TotalSeconds, measured, timedOut || Volatile.Read(ref started) != total);
    }

    /// <summary>Waits for a Stopwatch timestamp: a timer for the bulk, then yields for the last millisecond or two.</summary>
    private static async Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            if (remaining > TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(remaining - TimeSpan.FromMilliseconds(1.5), cancellationToken);
            }
            else
            {
                await Task.Yield();
            }
        }
    }
}

/// <summary>Enqueue-to-start latencies of one run, sorted, in milliseconds.</summary>
internal sealed record LatencyResult(string Store, int Count, int Rate, int Workers, double AchievedRate, double[] SortedMs, bool Incomplete)
{
    public double Percentile(double p) => SortedMs.Length == 0 ? double.NaN : SortedMs[Math.Clamp((int)Math.Ceiling(p / 100 * SortedMs.Length) - 1, 0, SortedMs.Length - 1)];

    /// <summary>One machine-readable line, the format of every benchmark result.</summary>
    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"lib=durex scenario=latency store={Store} jobs={Count} rate={Rate} achieved_rate={AchievedRate:F0} workers={Workers} p50_ms={Percentile(50):F2} p95_ms={Percentile(95):F2} p99_ms={Percentile(99):F2} max_ms={Percentile(100):F2}{(Incomplete ? " incomplete=true" : "")}");
}
