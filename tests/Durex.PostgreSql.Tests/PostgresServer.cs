using Npgsql;

namespace Durex.PostgreSql.Tests;

/// <summary>
/// The test server, from DUREX_POSTGRES (eng/test.sh or `source eng/services/postgres.sh` sets it). Without it the tests
/// are skipped, except under CI=true where a missing server is a failure.
/// </summary>
public static class PostgresServer
{
    public const string SkipReason = "DUREX_POSTGRES is not set; run eng/test.sh or source eng/services/postgres.sh";

    /// <summary>The connection string; skips (or, on CI, fails) the calling test when no server is configured.</summary>
    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("DUREX_POSTGRES");
            if (!string.IsNullOrWhiteSpace(value))
            {
                // Small pools: many test classes run in parallel against one server.
                var builder = new NpgsqlConnectionStringBuilder(value) { MaxPoolSize = 20 };
                return builder.ConnectionString;
            }

            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("CI=true but " + SkipReason + ": the PostgreSQL tests must run on CI.");
            }

            throw new SkipException(SkipReason);
        }
    }
}

/// <summary>A fresh schema for one test class instance, dropped at dispose; every store opened on it gets its own data source.</summary>
public sealed class TestSchema : IAsyncDisposable
{
    private readonly List<PostgresStore> _stores = [];
    private string? _connectionString;

    public string Name { get; } = "durex_t_" + Guid.NewGuid().ToString("N")[..16];

    public string ConnectionString => _connectionString ??= PostgresServer.ConnectionString;

    public PostgresStore CreateStore(Action<PostgresStoreOptions>? configure = null)
    {
        var options = new PostgresStoreOptions { Schema = Name };
        configure?.Invoke(options);
        var store = new PostgresStore(ConnectionString, options);
        lock (_stores)
        {
            _stores.Add(store);
        }

        return store;
    }

    public async Task<NpgsqlConnection> OpenAdminConnectionAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAdminConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        PostgresStore[] stores;
        lock (_stores)
        {
            stores = _stores.ToArray();
        }

        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        if (_connectionString is null)
        {
            return; // skipped: nothing was created
        }

        await using var connection = await OpenAdminConnectionAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
