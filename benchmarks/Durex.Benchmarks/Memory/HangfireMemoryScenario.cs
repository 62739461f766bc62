using Hangfire;
using Hangfire.InMemory;

namespace Durex.Benchmarks.Memory;

/// <summary>Hangfire with Hangfire.InMemory storage.</summary>
internal sealed class HangfireMemoryScenario : HangfireScenario
{
    public override string Name => "hangfire-memory";

    public override string Group => "memory";

    public override string Description => "Hangfire, InMemoryStorage: BackgroundJobClient.Enqueue, then BackgroundJobServer";

    public override int DefaultCount => 100_000;

    protected override JobStorage CreateStorage() => new InMemoryStorage(new InMemoryStorageOptions());
}
