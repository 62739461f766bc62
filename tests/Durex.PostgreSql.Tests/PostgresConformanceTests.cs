using Durex.Conformance;
using Durex.Storage;

namespace Durex.PostgreSql.Tests;

public sealed class PostgresStoreConformanceTests : StoreConformanceTests
{
    private readonly TestSchema _schema = new();

    protected override ValueTask<ICommandStore> CreateStoreAsync() => ValueTask.FromResult<ICommandStore>(_schema.CreateStore());

    protected override ValueTask<ICommandStore?> OpenSecondHandleAsync() => ValueTask.FromResult<ICommandStore?>(_schema.CreateStore());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresEngineConformanceTests : EngineConformanceTests
{
    private readonly TestSchema _schema = new();

    protected override ValueTask<ICommandStore> CreateStoreAsync() => ValueTask.FromResult<ICommandStore>(_schema.CreateStore());

    protected override ValueTask<ICommandStore?> OpenSecondHandleAsync() => ValueTask.FromResult<ICommandStore?>(_schema.CreateStore());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
