namespace Durex.Storage;

/// <summary>
/// The observers subscribed to a store, for store implementations: subscribe, unsubscribe by disposing, and signal
/// without taking a lock (signals are sent on hot paths).
/// </summary>
public sealed class StoreObservers
{
    private readonly Lock _gate = new();
    private IStoreObserver[] _observers = [];

    /// <summary>Adds <paramref name="observer"/>; dispose the result to remove it.</summary>
    public IDisposable Subscribe(IStoreObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    /// <summary>Tells every observer that new work may be ready.</summary>
    public void WorkAvailable()
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            observer.OnWorkAvailable();
        }
    }

    /// <summary>Tells every observer that these commands were cancelled.</summary>
    public void Cancelled(IReadOnlyList<Guid> ids)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            observer.OnCancelled(ids);
        }
    }

    /// <summary>Removes every observer.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _observers = [];
        }
    }

    private void Unsubscribe(IStoreObserver observer)
    {
        lock (_gate)
        {
            _observers = _observers.Where(o => !ReferenceEquals(o, observer)).ToArray();
        }
    }

    private sealed class Subscription(StoreObservers owner, IStoreObserver observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(observer);
            }
        }
    }
}
