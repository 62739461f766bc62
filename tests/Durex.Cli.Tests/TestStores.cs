using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;
using Npgsql;

namespace Durex.Cli.Tests;

/// <summary>A store for one test, as the CLI names it (arguments, DUREX_STORE) and as tests open it; removed afterwards.</summary>
public interface ICliStore : IAsyncDisposable
{
    /// <summary>The store options of the command line, e.g. <c>--sqlite /tmp/…/durex.db</c>.</summary>
    string[] Args { get; }

    /// <summary>The same store as a DUREX_STORE value.</summary>
    string Variable { get; }

    /// <summary>A new store object over the same database (the caller disposes it).</summary>
    ICommandStore Open();
}

/// <summary>A SQLite file in a fresh temporary folder (the file itself does not exist until something creates it).</summary>
public sealed class SqliteCliStore : ICliStore
{
    public SqliteCliStore()
    {
        Folder = Path.Combine(Path.GetTempPath(), "durex-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        FilePath = Path.Combine(Folder, "durex.db");
    }

    public string Folder { get; }

    public string FilePath { get; }

    public string[] Args => ["--sqlite", FilePath];

    public string Variable => "sqlite:" + FilePath;

    public ICommandStore Open() => new SqliteStore(FilePath);

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A fresh database on the server named by DUREX_POSTGRES; skips (or fails under CI=true) without one.</summary>
public sealed class PostgresCliStore : ICliStore
{
    public const string SkipReason = "DUREX_POSTGRES is not set; run eng/test.sh or source eng/services/postgres.sh";

    private readonly string _server;

    private PostgresCliStore(string server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public string[] Args => ["--postgres", ConnectionString];

    public string Variable => "postgres:" + ConnectionString;

    public ICommandStore Open() => new PostgresStore(ConnectionString);

    public static async Task<PostgresCliStore> CreateAsync()
    {
        var server = ServerConnectionString;
        var database = "durex_cli_" + Guid.NewGuid().ToString("N")[..16];
        await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, MaxPoolSize = 10 }.ConnectionString;
        return new PostgresCliStore(server, connectionString);
    }

    public static string ServerConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("DUREX_POSTGRES");
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }

            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("CI=true but " + SkipReason + ": the PostgreSQL tests must run on CI.");
            }

            throw new SkipException(SkipReason);
        }
    }

    /// <summary>Runs SQL in this test's database (to age a schema, for instance).</summary>
    public Task ExecuteAsync(string sql) => ExecuteAsync(ConnectionString, sql);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await ExecuteAsync(_server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
