using System.Collections.Concurrent;
using Durex.Storage;

namespace Durex.Conformance;

/// <summary>
/// The store under test with a tap on its calls, so a test can wait for background work (a lease renewal, a rescue,
/// a retention pass) to have happened instead of sleeping. Every call goes to the real store.
/// </summary>
public sealed class InstrumentedStore(ICommandStore inner) : ICommandStore
{
    private readonly ConcurrentDictionary<string, List<Waiter>> _waiters = new();
    private readonly ConcurrentDictionary<string, Hold> _holds = new();

    public ICommandStore Inner => inner;

    /// <summary>Completes after the next successful call of <paramref name="method"/> whose result satisfies <paramref name="match"/>.</summary>
    public Task<object?> NextAsync(string method, Func<object?, bool>? match = null)
    {
        // The match is tested where the call completes, so no call can slip by between a non-matching result and
        // the wait for the next one.
        var waiter = new Waiter(match ?? (_ => true));
        var list = _waiters.GetOrAdd(method, _ => []);
        lock (list)
        {
            list.Add(waiter);
        }

        return waiter.Completion.Task;
    }

    private sealed class Waiter(Func<object?, bool> match)
    {
        public Func<object?, bool> Match => match;

        public TaskCompletionSource<object?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Holds the next call of <paramref name="method"/> before it reaches the store, so a test can move the clock or act
    /// while that call is in flight; the call goes on, with its original arguments, when the hold is released.
    /// </summary>
    public Hold HoldNext(string method)
    {
        var hold = new Hold();
        if (!_holds.TryAdd(method, hold))
        {
            throw new InvalidOperationException($"A hold on {method} is already set.");
        }

        return hold;
    }

    private async ValueTask HeldAsync(string method)
    {
        if (_holds.TryRemove(method, out var hold))
        {
            await hold.EnterAsync();
        }
    }

    public sealed class Hold
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the held call has arrived and is waiting.</summary>
        public Task Entered => _entered.Task;

        public void Release() => _released.TrySetResult();

        internal Task EnterAsync()
        {
            _entered.TrySetResult();
            return _released.Task;
        }
    }

    private T Done<T>(string method, T result)
    {
        if (_waiters.TryGetValue(method, out var list))
        {
            Waiter[] ready;
            lock (list)
            {
                ready = list.Where(w => w.Match(result)).ToArray();
                list.RemoveAll(ready.Contains);
            }

            foreach (var waiter in ready)
            {
                waiter.Completion.TrySetResult(result);
            }
        }

        return result;
    }

    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default) => await inner.InitializeAsync(cancellationToken);

    public async ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default)
    {
        await inner.EnqueueAsync(commands, cancellationToken);
        Done<object?>(nameof(EnqueueAsync), commands);
    }

    public async ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        await HeldAsync(nameof(ClaimAsync));
        return Done(nameof(ClaimAsync), await inner.ClaimAsync(request, cancellationToken));
    }

    public async ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default) =>
        Done(nameof(ApplyAsync), await inner.ApplyAsync(outcomes, cancellationToken));

    public ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default) =>
        inner.GetNextReadyAtAsync(names, cancellationToken);

    public async ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        Done(nameof(RenewLeasesAsync), await inner.RenewLeasesAsync(leases, expiresAt, cancellationToken));

    public async ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default)
    {
        await HeldAsync(nameof(RescueExpiredLeasesAsync));
        return Done(nameof(RescueExpiredLeasesAsync), await inner.RescueExpiredLeasesAsync(now, exceptOwner, cancellationToken));
    }

    public ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default) =>
        inner.CancelAsync(id, now, reason, cancellationToken);

    public ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.CancelByTagAsync(tag, now, cancellationToken);

    public ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default) =>
        inner.RequeueAsync(id, now, message, cancellationToken);

    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default) =>
        Done(nameof(PurgeAsync), await inner.PurgeAsync(request, cancellationToken));

    public ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default) =>
        inner.GetHistoryAsync(id, cancellationToken);

    public ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default) => inner.FindAsync(query, cancellationToken);

    public ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default) =>
        inner.GetFanInChildrenAsync(continuationId, cancellationToken);

    public ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default) =>
        inner.GetStatisticsAsync(request, cancellationToken);

    public IDisposable Subscribe(IStoreObserver observer) => inner.Subscribe(observer);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
