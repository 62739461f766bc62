using Durex.Storage;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>
/// Several executors exported to one registry: counters add up, <c>commands_running</c> is the sum, each store counts once
/// in the store gauges, an executor cannot be exported twice, and a detached or disposed executor leaves the gauges.
/// </summary>
public sealed class MultiExecutorTests
{
    [Fact]
    public async Task Executors_over_one_store_count_it_once_and_their_counters_add_up()
    {
        var registry = Metrics.NewCustomRegistry();
        var time = new FakeTimeProvider(WorkloadTests.Epoch);
        await using var store = new MemoryStore();
        await using var first = New(store, time);
        await using var second = New(store, time);
        using var firstMetrics = DurexPrometheusMetrics.Attach(first, o => o.Registry = registry);
        using var secondMetrics = DurexPrometheusMetrics.Attach(second, o => o.Registry = registry);
        for (var i = 0; i < 6; i++)
        {
            await first.AddAsync(new CommandSpec("job"));
        }

        var before = await Exposition.ScrapeAsync(registry);
        Assert.Equal(6, before["durex_queue_size"]);
        Assert.Equal(6, before["durex_commands{status=\"pending\"}"]);

        await first.StartAsync().WaitAsync(WorkloadTests.HangGuard);
        await second.StartAsync().WaitAsync(WorkloadTests.HangGuard);
        await first.WaitForIdleAsync().WaitAsync(WorkloadTests.HangGuard);
        await second.WaitForIdleAsync().WaitAsync(WorkloadTests.HangGuard);

        var after = await Exposition.ScrapeAsync(registry);
        Assert.Equal(6, after["durex_commands_started_total{command=\"job\"}"]);
        Assert.Equal(6, after["durex_commands_completed_total{command=\"job\"}"]);
        Assert.Equal(6, after["durex_command_duration_seconds_count{command=\"job\"}"]);
        Assert.Equal(0, after["durex_queue_size"]);
        Assert.Equal(6, after["durex_commands{status=\"completed\"}"]);
        Assert.Equal(1, after.TypeLines("durex_commands_started_total"));
    }

    [Fact]
    public async Task Different_stores_are_summed_and_running_is_the_sum_over_executors()
    {
        var registry = Metrics.NewCustomRegistry();
        var time = new FakeTimeProvider(WorkloadTests.Epoch);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var storeA = new MemoryStore();
        await using var storeB = new MemoryStore();
        await using var a = New(storeA, time, "a", aRunning, gate);
        await using var b = New(storeB, time, "b", bRunning, gate);
        using var aMetrics = DurexPrometheusMetrics.Attach(a, o => o.Registry = registry);
        using var bMetrics = DurexPrometheusMetrics.Attach(b, o => o.Registry = registry);
        await a.AddAsync(new CommandSpec("a"));
        await a.AddAsync(new CommandSpec("a") { Delay = TimeSpan.FromSeconds(4) });
        time.Advance(TimeSpan.FromSeconds(2));
        await b.AddAsync(new CommandSpec("b"));
        await b.AddAsync(new CommandSpec("b"));
        time.Advance(TimeSpan.FromSeconds(3));
        await b.AddAsync(new CommandSpec("b"));

        var before = await Exposition.ScrapeAsync(registry);
        Assert.Equal(5, before["durex_queue_size"]);
        Assert.Equal(5, before["durex_queue_oldest_age_seconds"]); // the maximum over the stores (5 s in A, 3 s in B)
        Assert.Equal(5, before["durex_commands{status=\"pending\"}"]);

        await a.StartAsync().WaitAsync(WorkloadTests.HangGuard);
        await b.StartAsync().WaitAsync(WorkloadTests.HangGuard);
        await Task.WhenAll(aRunning.Task, bRunning.Task).WaitAsync(WorkloadTests.HangGuard);
        var busy = await Exposition.ScrapeAsync(registry);
        Assert.Equal(2, busy["durex_commands_running"]);

        gate.SetResult();
        await a.WaitForIdleAsync().WaitAsync(WorkloadTests.HangGuard);
        await b.WaitForIdleAsync().WaitAsync(WorkloadTests.HangGuard);
        var idle = await Exposition.ScrapeAsync(registry);
        Assert.Equal(0, idle["durex_commands_running"]);
        Assert.Equal(0, idle["durex_queue_size"]);
        Assert.Equal(5, idle["durex_commands{status=\"completed\"}"]);
        Assert.Equal(2, idle["durex_commands_completed_total{command=\"a\"}"]);
        Assert.Equal(3, idle["durex_commands_completed_total{command=\"b\"}"]);
    }

    [Fact]
    public async Task An_executor_is_exported_once_per_registry_and_names()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var executor = OptionsTests.NewExecutor();
        var first = DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry);
        var error = Assert.Throws<InvalidOperationException>(() => DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry));
        Assert.Contains($"Executor '{executor.InstanceName}' is already exported to this registry", error.Message, StringComparison.Ordinal);

        // Another registry, or other names, are separate exports.
        using var elsewhere = DurexPrometheusMetrics.Attach(executor, o => o.Registry = Metrics.NewCustomRegistry());
        using var renamed = DurexPrometheusMetrics.Attach(executor, o =>
        {
            o.Registry = registry;
            o.Namespace = "again";
        });

        first.Dispose();
        using var second = DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry);
    }

    [Fact]
    public async Task A_detached_exporter_stops_counting_and_its_store_leaves_the_gauges()
    {
        var registry = Metrics.NewCustomRegistry();
        var time = new FakeTimeProvider(WorkloadTests.Epoch);
        await using var storeA = new MemoryStore();
        await using var storeB = new MemoryStore();
        await using var a = New(storeA, time);
        await using var b = New(storeB, time);
        var aMetrics = DurexPrometheusMetrics.Attach(a, o => o.Registry = registry);
        using var bMetrics = DurexPrometheusMetrics.Attach(b, o => o.Registry = registry);
        await a.AddAsync(new CommandSpec("job"));
        await a.AddAsync(new CommandSpec("job"));
        await b.AddAsync(new CommandSpec("job"));
        Assert.Equal(3, (await Exposition.ScrapeAsync(registry))["durex_queue_size"]);

        aMetrics.Dispose();
        aMetrics.Dispose(); // idempotent
        Assert.Equal(1, (await Exposition.ScrapeAsync(registry))["durex_queue_size"]);

        await OptionsTests.RunAsync(a);
        await OptionsTests.RunAsync(b);
        var scrape = await Exposition.ScrapeAsync(registry);
        Assert.Equal(1, scrape["durex_commands_started_total{command=\"job\"}"]); // only b's attempt
        Assert.Equal(0, scrape["durex_queue_size"]);
    }

    [Fact]
    public async Task A_disposed_executor_leaves_the_gauges_and_scrapes_keep_working()
    {
        var registry = Metrics.NewCustomRegistry();
        var time = new FakeTimeProvider(WorkloadTests.Epoch);
        await using var storeA = new MemoryStore();
        await using var storeB = new MemoryStore();
        var a = New(storeA, time);
        await using var b = New(storeB, time);
        using var aMetrics = DurexPrometheusMetrics.Attach(a, o => o.Registry = registry);
        using var bMetrics = DurexPrometheusMetrics.Attach(b, o => o.Registry = registry);
        await a.AddAsync(new CommandSpec("job"));
        await a.AddAsync(new CommandSpec("job"));
        await b.AddAsync(new CommandSpec("job"));
        Assert.Equal(3, (await Exposition.ScrapeAsync(registry))["durex_queue_size"]);

        await a.DisposeAsync();
        var scrape = await Exposition.ScrapeAsync(registry);
        Assert.Equal(1, scrape["durex_queue_size"]);
        Assert.Equal(0, scrape["durex_statistics_refresh_failures_total"]);
    }

    private static Executor New(ICommandStore store, TimeProvider time, string name = "job", TaskCompletionSource? running = null, TaskCompletionSource? gate = null)
    {
        var executor = new Executor(store, o =>
        {
            o.TimeProvider = time;
            o.Parallelism = gate is null ? 2 : 1; // a gated handler: exactly one attempt runs at a time
        });
        executor.Handle(name, async (_, ct) =>
        {
            running?.TrySetResult();
            if (gate is not null)
            {
                await gate.Task.WaitAsync(ct);
            }

            return CommandResult.Empty;
        });
        return executor;
    }
}
