using Durex.Conformance;
using Durex.Storage;

namespace Durex.Tests;

public sealed class MemoryStoreConformanceTests : StoreConformanceTests
{
    protected override ValueTask<ICommandStore> CreateStoreAsync() => ValueTask.FromResult<ICommandStore>(new MemoryStore());
}
