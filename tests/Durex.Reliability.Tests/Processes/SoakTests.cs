using System.Diagnostics;
using System.Globalization;
using Durex.PostgreSql;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// The soak: a worker process runs a seeded mixed workload on PostgreSQL (batches and single commands, delays, retries,
/// dead letters, repeats, fan-out/fan-in, Next chains, unique keys, cancellation of pending and running commands,
/// retention) for 10 minutes (DUREX_RELIABILITY_LONG=1) or 30 s (CI), sampling its memory. Afterwards: every command
/// reached the state it should, none is stuck, memory did not grow after the warm-up, and the connections stayed within
/// the pool and were all closed when the store was disposed.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int MaxPoolSize = 20; // the worker's Max Pool Size (Soak.MaxPoolSize)

    [SkippableFact]
    public async Task Mixed_workload_soak_keeps_memory_and_connections_flat_and_leaves_nothing_stuck()
    {
        var connectionString = TestPostgres.ConnectionString;
        var schema = TestPostgres.NewSchema("soak");
        var application = $"durex-soak-{schema[^12..]}";
        var seconds = Reliability.Long ? 600 : 30;
        var sampleMs = Reliability.Long ? 5000 : 1000;
        var warmUp = TimeSpan.FromSeconds(seconds / 4.0);
        var seed = Reliability.Seed(output);
        var connections = new List<(TimeSpan At, long Count)>();
        using var stopCounting = new CancellationTokenSource();
        Task? counter = null;
        var clock = Stopwatch.StartNew();
        try
        {
            await using var worker = WorkerProcess.Start("soak worker",
                "soak", "--connection", connectionString, "--schema", schema, "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
                "--seed", seed.ToString(CultureInfo.InvariantCulture), "--sample-ms", sampleMs.ToString(CultureInfo.InvariantCulture),
                "--application-name", application);
            await worker.WaitForLineAsync("started", Reliability.HangGuard);
            counter = Task.Run(async () =>
            {
                while (!stopCounting.IsCancellationRequested)
                {
                    var count = await TestPostgres.BackendsAsync(connectionString, application);
                    lock (connections)
                    {
                        connections.Add((clock.Elapsed, count));
                    }

                    await Task.Delay(1000, CancellationToken.None);
                }
            });

            var drained = await worker.WaitForLineAsync("drained ", TimeSpan.FromSeconds(seconds) + Reliability.HangGuard);
            await worker.WaitForLineAsync("idle", Reliability.HangGuard);
            await stopCounting.CancelAsync();
            await counter;

            // Idle: no backend of the worker sits in a transaction (a leaked one would stay there).
            await Poll.UntilAsync(async () => await TestPostgres.BackendsAsync(connectionString, application, "idle in transaction") == 0,
                TimeSpan.FromSeconds(30), () => "no backend of the soak worker idle in a transaction");
            var idleConnections = await TestPostgres.BackendsAsync(connectionString, application);

            await worker.SendAsync("stop");
            await worker.WaitForLineAsync("disposed", Reliability.HangGuard);
            // Disposing the store closes every connection it opened (the process is still alive).
            await Poll.UntilAsync(async () => await TestPostgres.BackendsAsync(connectionString, application) == 0, TimeSpan.FromSeconds(30),
                () => "the disposed store's connections closed");
            await worker.SendAsync("exit");
            Assert.Equal(0, await worker.WaitForExitAsync(Reliability.HangGuard));

            var lines = worker.Lines;
            var samples = lines.Where(l => l.StartsWith("sample ", StringComparison.Ordinal)).Select(Sample).ToArray();
            var final = Sample(lines.Single(l => l.StartsWith("final ", StringComparison.Ordinal)));
            var summary = lines.Single(l => l.StartsWith("summary ", StringComparison.Ordinal))["summary ".Length..]
                .Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
            var activeAtEnd = long.Parse(drained.Split("active=")[1], CultureInfo.InvariantCulture);

            await using var store = new PostgresStore(connectionString, new PostgresStoreOptions { Schema = schema });
            var counts = (await store.GetStatisticsAsync(new Storage.StatisticsRequest { Now = DateTimeOffset.UtcNow })).Counts;

            // Memory under load after the warm-up: the first third of those samples against the last third.
            var loaded = samples.Where(s => s.At >= warmUp.TotalSeconds && s.At <= seconds).ToArray();
            Assert.True(loaded.Length >= 6, $"only {loaded.Length} memory samples after the warm-up");
            var third = loaded.Length / 3;
            var (startRss, startHeap) = (Median(loaded.Take(third).Select(s => s.Rss)), Median(loaded.Take(third).Select(s => s.Heap)));
            var (endRss, endHeap) = (Median(loaded.TakeLast(third).Select(s => s.Rss)), Median(loaded.TakeLast(third).Select(s => s.Heap)));
            var maxConnections = connections.Max(c => c.Count);

            Results.Report(output, "Soak (PostgreSQL, mixed workload)",
                ("seed", seed), ("duration", TimeSpan.FromSeconds(seconds)), ("warm-up", warmUp), ("enqueued", final.Enqueued), ("executions", final.Executions),
                ("RSS start", Results.Megabytes(startRss)), ("RSS end", Results.Megabytes(endRss)), ("RSS idle after drain", Results.Megabytes(final.Rss)),
                ("heap start", Results.Megabytes(startHeap)), ("heap end", Results.Megabytes(endHeap)), ("heap idle after drain", Results.Megabytes(final.Heap)),
                ("connections max", maxConnections), ("connections idle", idleConnections), ("connections after dispose", 0),
                ("stuck", activeAtEnd), ("drain", drained.Split(' ')[1] + " s"),
                ("completed (kept)", counts[CommandStatus.Completed]), ("dead letters", counts[CommandStatus.DeadLetter]),
                ("cancelled", counts[CommandStatus.Cancelled]), ("failed", counts[CommandStatus.Failed]),
                ("unexpected errors", summary["unexpected_errors"]), ("warnings", summary["warnings"]));
            output.WriteLine("summary: " + string.Join(", ", summary.Select(p => $"{p.Key}={p.Value}")));

            // Nothing stuck, everything where it belongs.
            Assert.Equal(0, activeAtEnd);
            foreach (var status in new[] { CommandStatus.Pending, CommandStatus.Waiting, CommandStatus.Started, CommandStatus.Repeating, CommandStatus.Failed, CommandStatus.Expired })
            {
                Assert.True(counts[status] == 0, $"{counts[status]} commands {status} at the end");
            }

            Assert.Equal(summary["failing_enqueued"], counts[CommandStatus.DeadLetter]);
            Assert.Equal(summary["cancelled"], counts[CommandStatus.Cancelled]);
            Assert.Equal(0, summary["unexpected_errors"]);

            // Each kind ran as often as it should (no crash here, so exactly once per attempt).
            Assert.Equal(summary["ok_enqueued"], summary["ok_runs"]);
            Assert.Equal(2 * summary["flaky_enqueued"], summary["flaky_runs"]);
            Assert.Equal(2 * summary["failing_enqueued"], summary["failing_runs"]);
            Assert.Equal(4 * summary["repeat_enqueued"], summary["repeat_runs"]);
            Assert.Equal(summary["parent_enqueued"], summary["parent_runs"]);
            Assert.Equal(3 * summary["parent_enqueued"], summary["child_runs"]);
            Assert.Equal(summary["parent_enqueued"], summary["join_runs"]);
            Assert.Equal(0, summary["join_bad"]);
            Assert.Equal(summary["step1_enqueued"], summary["step1_runs"]);
            Assert.Equal(summary["step1_enqueued"], summary["step2_runs"]);
            Assert.Equal(0, summary["later_runs"]);
            Assert.Equal(summary["slow_enqueued"], summary["slow_cancelled"] + summary["cancel_too_late"]);
            Assert.True(summary["slow_done"] >= summary["cancel_too_late"] && summary["slow_done"] <= summary["slow_enqueued"]);

            // No growth beyond the warm-up (generous bounds for a noisy machine; a leak grows without bound).
            Assert.True(endHeap <= startHeap * 1.25 + 8 * 1024 * 1024,
                $"managed heap grew from {Results.Megabytes(startHeap)} to {Results.Megabytes(endHeap)} after the warm-up");
            Assert.True(endRss <= startRss * 1.25 + 48 * 1024 * 1024,
                $"RSS grew from {Results.Megabytes(startRss)} to {Results.Megabytes(endRss)} after the warm-up");

            // Connections: within the pool the whole time.
            Assert.True(maxConnections <= MaxPoolSize, $"{maxConnections} backends for a pool of {MaxPoolSize}");
        }
        finally
        {
            await stopCounting.CancelAsync();
            if (counter is not null)
            {
                await counter;
            }

            await TestPostgres.DropSchemaAsync(connectionString, schema);
        }
    }

    private static (double At, long Rss, long Heap, long Executions, long Enqueued) Sample(string line)
    {
        var parts = line.Split(' ');
        return (double.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture),
            long.Parse(parts[3], CultureInfo.InvariantCulture), long.Parse(parts[4], CultureInfo.InvariantCulture), long.Parse(parts[5], CultureInfo.InvariantCulture));
    }

    private static long Median(IEnumerable<long> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
