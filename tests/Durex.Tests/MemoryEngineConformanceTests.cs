using Durex.Conformance;
using Durex.Storage;

namespace Durex.Tests;

public sealed class MemoryEngineConformanceTests : EngineConformanceTests
{
    protected override ValueTask<ICommandStore> CreateStoreAsync() => ValueTask.FromResult<ICommandStore>(new MemoryStore());
}
