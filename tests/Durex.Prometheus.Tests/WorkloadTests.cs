using Durex.Sqlite;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>
/// A workload with successes, a retried failure, a dead-lettered failure, a delayed and an expired command, on the memory
/// store and on a real SQLite file, scraped before and after it runs: exact values under the Go names, checked by promtool.
/// </summary>
public sealed class WorkloadTests : IDisposable
{
    internal static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    internal static readonly DateTimeOffset Epoch = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly string _directory = Directory.CreateTempSubdirectory("durex-prometheus-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [SkippableFact]
    public async Task Memory_store_workload_is_exported_under_the_go_names_and_passes_promtool()
    {
        await using var store = new MemoryStore();
        await RunWorkloadAsync(store);
    }

    [SkippableFact]
    public async Task Sqlite_store_workload_is_exported_under_the_go_names_and_passes_promtool()
    {
        await using var store = new SqliteStore(Path.Combine(_directory, "durex.db"));
        await RunWorkloadAsync(store);
    }

    private static async Task RunWorkloadAsync(ICommandStore store)
    {
        var time = new FakeTimeProvider(Epoch);
        var registry = Metrics.NewCustomRegistry();
        await using var executor = new Executor(store, o =>
        {
            o.TimeProvider = time;
            o.Parallelism = 4;
            o.UseDeadLetterQueue();
        });
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        executor.Handle("flaky", (ctx, _) => ctx.Attempt == 1 ? throw new InvalidOperationException("once") : ValueTask.FromResult(CommandResult.Empty),
            c => c.Retries(1));
        executor.Handle("doomed", (_, _) => throw new InvalidOperationException("always"), c => c.Retries(1));
        executor.Handle("later", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        executor.Handle("late", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        using var metrics = DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry);

        for (var i = 0; i < 8; i++)
        {
            await executor.AddAsync(new CommandSpec("ok"));
        }

        await executor.AddAsync(new CommandSpec("flaky"));
        await executor.AddAsync(new CommandSpec("doomed"));
        await executor.AddAsync(new CommandSpec("later") { Delay = TimeSpan.FromSeconds(10) });
        await executor.AddAsync(new CommandSpec("late") { Delay = TimeSpan.FromSeconds(5), Deadline = TimeSpan.FromSeconds(1) });
        time.Advance(TimeSpan.FromSeconds(3));

        // No executor runs yet: the scrape queries the store itself.
        var before = await Exposition.ScrapeAsync(registry);
        Assert.Equal(10, before["durex_queue_size"]);
        Assert.Equal(3, before["durex_queue_oldest_age_seconds"]);
        Assert.Equal(12, before["durex_commands{status=\"pending\"}"]);
        Assert.Equal(0, before["durex_commands{status=\"dead_letter\"}"]);
        Assert.Equal(0, before["durex_dead_letters"]);
        Assert.Equal(0, before["durex_commands_running"]);
        Assert.False(before.Has("durex_commands_started_total{command=\"ok\"}"));

        await executor.StartAsync().WaitAsync(HangGuard);
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);
        time.Advance(TimeSpan.FromSeconds(10)); // "later" is due (+10 s); "late" is due (+5 s) but past its deadline (+1 s)
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);

        var after = await Exposition.ScrapeAsync(registry);
        //                                   started completed failed retried expired
        AssertCounters(after, "ok", 8, 8, 0, 0, 0);
        AssertCounters(after, "flaky", 2, 1, 1, 1, 0);
        AssertCounters(after, "doomed", 2, 0, 2, 1, 0);
        AssertCounters(after, "later", 1, 1, 0, 0, 0);
        AssertCounters(after, "late", 0, 0, 0, 0, 1); // published at 0 because the running executor has a handler for it

        // Every attempt that ran is in the duration histogram, failed ones included (the Go library only had successes).
        Assert.Equal(8, after["durex_command_duration_seconds_count{command=\"ok\"}"]);
        Assert.Equal(2, after["durex_command_duration_seconds_count{command=\"flaky\"}"]);
        Assert.Equal(2, after["durex_command_duration_seconds_count{command=\"doomed\"}"]);
        Assert.Equal(1, after["durex_command_duration_seconds_count{command=\"later\"}"]);
        Assert.Equal(8, after["durex_command_duration_seconds_bucket{command=\"ok\",le=\"+Inf\"}"]);
        Assert.False(after.Has("durex_command_duration_seconds_count{command=\"late\"}"));

        // Wait = start - ready on the fake clock: the first attempts and "later" waited 3 s, the retries none.
        Assert.Equal(8, after["durex_command_wait_seconds_count{command=\"ok\"}"]);
        Assert.Equal(24, after["durex_command_wait_seconds_sum{command=\"ok\"}"]);
        Assert.Equal(3, after["durex_command_wait_seconds_sum{command=\"later\"}"]);
        Assert.Equal(2, after["durex_command_wait_seconds_count{command=\"doomed\"}"]);
        Assert.Equal(0, after["durex_command_wait_seconds_bucket{command=\"ok\",le=\"2.5\"}"]);
        Assert.Equal(8, after["durex_command_wait_seconds_bucket{command=\"ok\",le=\"5\"}"]);
        Assert.True(after["durex_claim_duration_seconds_count"] >= 1);

        // The queue drained; one command is dead-lettered.
        Assert.Equal(0, after["durex_queue_size"]);
        Assert.Equal(0, after["durex_queue_oldest_age_seconds"]);
        Assert.Equal(1, after["durex_dead_letters"]);
        Assert.Equal(0, after["durex_commands_running"]);
        Assert.Equal(10, after["durex_commands{status=\"completed\"}"]);
        Assert.Equal(1, after["durex_commands{status=\"dead_letter\"}"]);
        Assert.Equal(1, after["durex_commands{status=\"expired\"}"]);
        Assert.Equal(0, after["durex_commands{status=\"pending\"}"]);
        Assert.Equal(0, after["durex_lease_rescues_total"]);
        Assert.Equal(0, after["durex_statistics_refresh_failures_total"]);
        Assert.Equal(1, after.TypeLines("durex_commands_started_total"));

        // Last, so that without promtool (a skip outside CI) every value above is still checked.
        await Promtool.AssertValidAsync(before.Text);
        await Promtool.AssertValidAsync(after.Text);
    }

    private static void AssertCounters(Exposition scrape, string command, int started, int completed, int failed, int retried, int expired)
    {
        var label = $"{{command=\"{command}\"}}";
        Assert.Equal(
            [started, completed, failed, retried, expired],
            new[] { "started", "completed", "failed", "retried", "expired" }.Select(c => scrape[$"durex_commands_{c}_total{label}"]).ToArray());
    }
}
