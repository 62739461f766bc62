using Durex.Conformance;
using Durex.Sqlite;
using Durex.Storage;

namespace Durex.Sqlite.Tests;

/// <summary>A fresh database file per test, in its own temporary directory, deleted afterwards.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("durex-sqlite-").FullName;
        Path = System.IO.Path.Combine(Directory, "durex.db");
    }

    public string Directory { get; }

    public string Path { get; }

    /// <summary>Another store on the same file, as a second process would open it.</summary>
    public async ValueTask<ICommandStore?> OpenStoreAsync()
    {
        var store = new SqliteStore(Path);
        await store.InitializeAsync();
        return store;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A handle left open by a failed test: the OS temp cleaner gets it.
        }
    }
}

public sealed class SqliteStoreConformanceTests : StoreConformanceTests
{
    private readonly TempDatabase _database = new();

    protected override ValueTask<ICommandStore> CreateStoreAsync() => ValueTask.FromResult<ICommandStore>(new SqliteStore(_database.Path));

    protected override ValueTask<ICommandStore?> OpenSecondHandleAsync() => _database.OpenStoreAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteEngineConformanceTests : EngineConformanceTests
{
    private readonly TempDatabase _database = new();

    protected override ValueTask<ICommandStore> CreateStoreAsync() => ValueTask.FromResult<ICommandStore>(new SqliteStore(_database.Path));

    protected override ValueTask<ICommandStore?> OpenSecondHandleAsync() => _database.OpenStoreAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}
