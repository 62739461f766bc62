using Durex.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Conformance;

/// <summary>
/// Base of the conformance suites: each test gets a fresh, empty, initialized store from the derived class and a fake
/// clock. A store's test project derives one class per suite and implements <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract class StoreTestBase : IAsyncLifetime
{
    /// <summary>The fake clock's start: a Monday morning, UTC.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private ICommandStore? _store;

    protected FakeTimeProvider Time { get; } = new(Epoch);

    protected ICommandStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>A fresh, empty store (a new file, schema or instance). It is initialized and disposed by the base class.</summary>
    protected abstract ValueTask<ICommandStore> CreateStoreAsync();

    /// <summary>Another handle on the same storage, as a second process would open it (null when the store cannot be shared).</summary>
    protected virtual ValueTask<ICommandStore?> OpenSecondHandleAsync() => ValueTask.FromResult<ICommandStore?>(null);

    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.InitializeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }
}
