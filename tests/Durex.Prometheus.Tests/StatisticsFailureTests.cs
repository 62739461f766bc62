using Durex.Conformance;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>A store that cannot answer the statistics query in time never breaks a scrape: the previous values stay and the failure is counted.</summary>
public sealed class StatisticsFailureTests
{
    [Fact]
    public async Task A_failing_statistics_query_keeps_the_previous_values_and_is_counted()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var store = new FaultyStore(new MemoryStore());
        await using var executor = new Executor(store, o => o.TimeProvider = new FakeTimeProvider(WorkloadTests.Epoch));
        using var metrics = DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry);
        await executor.AddAsync(new CommandSpec("job"));
        Assert.Equal(1, (await Exposition.ScrapeAsync(registry))["durex_queue_size"]);

        await executor.AddAsync(new CommandSpec("job"));
        store.FailStatistics = true;
        var failed = await Exposition.ScrapeAsync(registry);
        Assert.Equal(1, failed["durex_queue_size"]);
        Assert.Equal(1, failed["durex_statistics_refresh_failures_total"]);

        store.FailStatistics = false;
        var recovered = await Exposition.ScrapeAsync(registry);
        Assert.Equal(2, recovered["durex_queue_size"]);
        Assert.Equal(1, recovered["durex_statistics_refresh_failures_total"]);
    }

    [Fact]
    public async Task A_statistics_query_slower_than_the_timeout_is_abandoned_and_counted()
    {
        var registry = Metrics.NewCustomRegistry();
        var clock = new FakeTimeProvider(WorkloadTests.Epoch);
        await using var store = new FaultyStore(new MemoryStore());
        await using var executor = new Executor(store, o => o.TimeProvider = clock);
        using var metrics = DurexPrometheusMetrics.Attach(executor, o =>
        {
            o.Registry = registry;
            o.StatisticsTimeout = TimeSpan.FromSeconds(2);
        });
        await executor.AddAsync(new CommandSpec("job"));
        store.HangStatistics = true; // until cancelled
        var scraping = Exposition.ScrapeAsync(registry);
        await store.StatisticsEntered.Task.WaitAsync(WorkloadTests.HangGuard);
        clock.Advance(TimeSpan.FromSeconds(2));                            // the timeout runs on the executor's clock
        var scrape = await scraping.WaitAsync(WorkloadTests.HangGuard);
        Assert.Equal(1, scrape["durex_statistics_refresh_failures_total"]);
        Assert.Equal(0, scrape["durex_queue_size"]); // never read
        await store.StatisticsCancelled.Task.WaitAsync(WorkloadTests.HangGuard); // the abandoned query is cancelled
    }
}
