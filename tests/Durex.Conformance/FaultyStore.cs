using Durex.Storage;

namespace Durex.Conformance;

/// <summary>
/// A real store whose initialization or statistics query can be made to fail, or the statistics query to hang until
/// cancelled; it counts its disposals. For health checks and exporters that must survive a sick store.
/// </summary>
public sealed class FaultyStore(ICommandStore inner) : ICommandStore
{
    private int _disposals;

    public volatile bool FailInitialize;

    public volatile bool FailStatistics;

    public volatile bool HangStatistics;

    /// <summary>Set when a hanging statistics query has begun.</summary>
    public TaskCompletionSource StatisticsEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when a hanging statistics query was cancelled by its caller.</summary>
    public TaskCompletionSource StatisticsCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Disposals => Volatile.Read(ref _disposals);

    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        FailInitialize ? ValueTask.FromException(new InvalidOperationException("the database is down")) : inner.InitializeAsync(cancellationToken);

    public async ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default)
    {
        if (FailStatistics)
        {
            throw new InvalidOperationException("the disk is on fire");
        }

        if (HangStatistics)
        {
            StatisticsEntered.TrySetResult();
            try
            {
                await Blocking.UntilCancelledAsync(cancellationToken);
            }
            finally
            {
                StatisticsCancelled.TrySetResult();
            }
        }

        return await inner.GetStatisticsAsync(request, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref _disposals);
        await inner.DisposeAsync();
    }

    public ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default) => inner.EnqueueAsync(commands, cancellationToken);
    public ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default) => inner.ClaimAsync(request, cancellationToken);
    public ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default) => inner.ApplyAsync(outcomes, cancellationToken);
    public ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default) => inner.GetNextReadyAtAsync(names, cancellationToken);
    public ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) => inner.RenewLeasesAsync(leases, expiresAt, cancellationToken);
    public ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default) => inner.RescueExpiredLeasesAsync(now, exceptOwner, cancellationToken);
    public ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default) => inner.CancelAsync(id, now, reason, cancellationToken);
    public ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.CancelByTagAsync(tag, now, cancellationToken);
    public ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default) => inner.RequeueAsync(id, now, message, cancellationToken);
    public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default) => inner.PurgeAsync(request, cancellationToken);
    public ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);
    public ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(id, cancellationToken);
    public ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default) => inner.FindAsync(query, cancellationToken);
    public ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default) => inner.GetFanInChildrenAsync(continuationId, cancellationToken);
    public IDisposable Subscribe(IStoreObserver observer) => inner.Subscribe(observer);
}
