using Durex.Storage;

namespace Durex.Benchmarks.Memory;

/// <summary>Durex on <see cref="MemoryStore"/>.</summary>
internal sealed class DurexMemoryScenario : DurexScenario
{
    public override string Name => "durex-memory";

    public override string Group => "memory";

    public override string Description => "Durex, MemoryStore: AddManyAsync in chunks, then StartAsync + WaitForIdleAsync";

    public override int DefaultCount => 1_000_000;

    protected override Task<ICommandStore> CreateStoreAsync(CancellationToken cancellationToken) => Task.FromResult<ICommandStore>(new MemoryStore());
}
