using Npgsql;

namespace Durex.Samples.Tests;

/// <summary>
/// A fresh database on the server named by DUREX_POSTGRES (a connection string), dropped afterwards. Without the
/// variable the test is skipped, except under CI=true, where it fails: the PostgreSQL runs must happen on CI.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    public const string SkipReason = "DUREX_POSTGRES is not set; run eng/test.sh or source eng/services/postgres.sh";

    private readonly string _server;
    private readonly string _name;

    private PostgresDatabase(string server, string name)
    {
        _server = server;
        _name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>The connection string of the new database, for the sample's <c>--postgres</c>.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var server = Environment.GetEnvironmentVariable("DUREX_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("CI=true but " + SkipReason + ": the PostgreSQL tests must run on CI.");
            }

            throw new SkipException(SkipReason);
        }

        var database = new PostgresDatabase(server, "durex_samples_" + Guid.NewGuid().ToString("N")[..16]);
        await database.ExecuteAsync($"CREATE DATABASE \"{database._name}\"");
        return database;
    }

    public ValueTask DisposeAsync() => new(ExecuteAsync($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)"));

    /// <summary>Runs a statement on the server's own database (not pooled, so no connection lingers).</summary>
    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
