using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Durex.Reliability.Tests.BadInput;

/// <summary>
/// A store for one test plus a raw connection to its tables, to write what Durex never would (corrupt rows) and to check
/// that the tables are intact. Removed afterwards.
/// </summary>
public abstract class RawStore : IAsyncDisposable
{
    public abstract ICommandStore Store { get; }

    public abstract string Kind { get; }

    /// <summary>The commands table as SQL names it.</summary>
    public abstract string Commands { get; }

    /// <summary>The history table as SQL names it.</summary>
    public abstract string History { get; }

    /// <summary>An id as a SQL literal of this store's id column.</summary>
    public abstract string IdLiteral(Guid id);

    public abstract Task<int> ExecuteAsync(string sql);

    public abstract Task<object?> ScalarAsync(string sql);

    /// <summary>The names of the tables (SQLite: of the file; PostgreSQL: of the test's schema), sorted.</summary>
    public abstract Task<IReadOnlyList<string>> TablesAsync();

    public async Task<long> CountAsync(string where = "true") => Convert.ToInt64(await ScalarAsync($"SELECT count(*) FROM {Commands} WHERE {where}"));

    public abstract ValueTask DisposeAsync();

    public static RawStore Create(string kind) => kind switch
    {
        "sqlite" => new SqliteRawStore(),
        "postgres" => new PostgresRawStore(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "sqlite or postgres"),
    };
}

/// <summary>A SQLite file in a temporary directory.</summary>
public sealed class SqliteRawStore : RawStore
{
    private readonly string _directory = Directory.CreateTempSubdirectory("durex-reliability-").FullName;
    private readonly SqliteStore _store;

    public SqliteRawStore(SqliteStoreOptions? options = null)
    {
        Path = System.IO.Path.Combine(_directory, "durex.db");
        _store = new SqliteStore(Path, options);
        Prefix = options?.TablePrefix ?? "durex_";
    }

    public string Path { get; }

    public string Prefix { get; }

    public override ICommandStore Store => _store;

    public override string Kind => "sqlite";

    public override string Commands => Prefix + "commands";

    public override string History => Prefix + "history";

    public override string IdLiteral(Guid id) => "x'" + Convert.ToHexString(id.ToByteArray(bigEndian: true)) + "'";

    public override async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    public override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public override async Task<IReadOnlyList<string>> TablesAsync()
    {
        await using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        var names = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A connection another object still holds: the temp directory is left for the OS to clean.
        }
    }
}

/// <summary>A fresh schema on the server named by DUREX_POSTGRES; skips without one, and fails under CI=true.</summary>
public sealed class PostgresRawStore : RawStore
{
    public const string SkipReason = "DUREX_POSTGRES is not set; run eng/test.sh or source eng/services/postgres.sh";

    private readonly PostgresStore _store;

    public PostgresRawStore(string? prefix = null)
    {
        ConnectionString = ServerConnectionString;
        Schema = "durex_rel_" + Guid.NewGuid().ToString("N")[..16];
        Prefix = prefix ?? "";
        _store = new PostgresStore(ConnectionString, new PostgresStoreOptions { Schema = Schema, TablePrefix = Prefix });
    }

    public string ConnectionString { get; }

    public string Schema { get; }

    public string Prefix { get; }

    public override ICommandStore Store => _store;

    public override string Kind => "postgres";

    public override string Commands => $"\"{Schema}\".\"{Prefix}commands\"";

    public override string History => $"\"{Schema}\".\"{Prefix}history\"";

    public override string IdLiteral(Guid id) => $"'{id}'::uuid";

    public static string ServerConnectionString
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

    public override async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    public override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public override async Task<IReadOnlyList<string>> TablesAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Schema });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE");
    }
}
