using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;
using Npgsql;

namespace Durex.Dashboard.Tests;

/// <summary>A store for one test, removed afterwards.</summary>
public interface ITestStore : IAsyncDisposable
{
    ICommandStore Store { get; }
}

public sealed class SqliteTestStore : ITestStore
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "durex-dashboard-" + Guid.NewGuid().ToString("N") + ".db");
    private readonly SqliteStore _store;

    public SqliteTestStore() => _store = new SqliteStore(_path);

    public ICommandStore Store => _store;

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}

/// <summary>A fresh schema on the server named by DUREX_POSTGRES; skips (or fails under CI=true) without one.</summary>
public sealed class PostgresTestStore : ITestStore
{
    public const string SkipReason = "DUREX_POSTGRES is not set; run eng/test.sh or source eng/services/postgres.sh";

    private readonly string _schema = "durex_dash_" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _connectionString;
    private readonly PostgresStore _store;

    public PostgresTestStore()
    {
        _connectionString = ConnectionString;
        _store = new PostgresStore(_connectionString, new PostgresStoreOptions { Schema = _schema });
    }

    public ICommandStore Store => _store;

    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("DUREX_POSTGRES");
            if (!string.IsNullOrWhiteSpace(value))
            {
                return new NpgsqlConnectionStringBuilder(value) { MaxPoolSize = 10 }.ConnectionString;
            }

            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("CI=true but " + SkipReason + ": the PostgreSQL tests must run on CI.");
            }

            throw new SkipException(SkipReason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
