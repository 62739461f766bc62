using Durex.Storage;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>A store that cannot answer the statistics query in time never breaks a scrape: the previous values stay and the failure is counted.</summary>
public sealed class StatisticsFailureTests
{
    [Fact]
    public async Task A_failing_statistics_query_keeps_the_previous_values_and_is_counted()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var store = new StatisticsSwitchStore(new MemoryStore());
        await using var executor = new Executor(store, o => o.TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(WorkloadTests.Epoch));
        using var metrics = DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry);
        await executor.AddAsync(new CommandSpec("job"));
        Assert.Equal(1, (await Exposition.ScrapeAsync(registry))["durex_queue_size"]);

        await executor.AddAsync(new CommandSpec("job"));
        store.Failure = new InvalidOperationException("database is locked");
        var failed = await Exposition.ScrapeAsync(registry);
        Assert.Equal(1, failed["durex_queue_size"]);
        Assert.Equal(1, failed["durex_statistics_refresh_failures_total"]);

        store.Failure = null;
        var recovered = await Exposition.ScrapeAsync(registry);
        Assert.Equal(2, recovered["durex_queue_size"]);
        Assert.Equal(1, recovered["durex_statistics_refresh_failures_total"]);
    }

    [Fact]
    public async Task A_statistics_query_slower_than_the_timeout_is_abandoned_and_counted()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var store = new StatisticsSwitchStore(new MemoryStore());
        await using var executor = new Executor(store, o => o.TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(WorkloadTests.Epoch));
        using var metrics = DurexPrometheusMetrics.Attach(executor, o =>
        {
            o.Registry = registry;
            o.StatisticsTimeout = TimeSpan.FromMilliseconds(100);
        });
        await executor.AddAsync(new CommandSpec("job"));
        store.Hang = true; // until cancelled
        var scrape = await Exposition.ScrapeAsync(registry).WaitAsync(WorkloadTests.HangGuard);
        Assert.Equal(1, scrape["durex_statistics_refresh_failures_total"]);
        Assert.Equal(0, scrape["durex_queue_size"]); // never read
        if (store.Entered.Task.IsCompleted)
        {
            // The abandoned query is cancelled (under load the timeout can also fire before the query reaches the store).
            await store.Cancelled.Task.WaitAsync(WorkloadTests.HangGuard);
        }
    }

    /// <summary>The memory store, with a switch that makes the statistics query fail or hang.</summary>
    private sealed class StatisticsSwitchStore(ICommandStore inner) : ICommandStore
    {
        public Exception? Failure { get; set; }

        public bool Hang { get; set; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default)
        {
            if (Failure is { } failure)
            {
                throw failure;
            }

            if (Hang)
            {
                Entered.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Cancelled.TrySetResult();
                    throw;
                }
            }

            return await inner.GetStatisticsAsync(request, cancellationToken);
        }

        public ValueTask InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default) =>
            inner.EnqueueAsync(commands, cancellationToken);

        public ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default) =>
            inner.ClaimAsync(request, cancellationToken);

        public ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default) =>
            inner.ApplyAsync(outcomes, cancellationToken);

        public ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default) =>
            inner.GetNextReadyAtAsync(names, cancellationToken);

        public ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
            inner.RenewLeasesAsync(leases, expiresAt, cancellationToken);

        public ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default) =>
            inner.RescueExpiredLeasesAsync(now, exceptOwner, cancellationToken);

        public ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default) =>
            inner.CancelAsync(id, now, reason, cancellationToken);

        public ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            inner.CancelByTagAsync(tag, now, cancellationToken);

        public ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default) =>
            inner.RequeueAsync(id, now, message, cancellationToken);

        public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default) => inner.PurgeAsync(request, cancellationToken);

        public ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default) =>
            inner.GetHistoryAsync(id, cancellationToken);

        public ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default) => inner.FindAsync(query, cancellationToken);

        public ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default) =>
            inner.GetFanInChildrenAsync(continuationId, cancellationToken);

        public IDisposable Subscribe(IStoreObserver observer) => inner.Subscribe(observer);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
