using System.Diagnostics;
using Npgsql;

namespace Durex.Benchmarks.Backends;

/// <summary>
/// The PostgreSQL server of the run: <c>DUREX_POSTGRES</c> when set, otherwise a throwaway cluster started with the
/// repository's own <c>eng/services/postgres.sh</c> and stopped when the process exits. Both libraries use the same one.
/// </summary>
internal static class PostgresServer
{
    private static readonly Lazy<string> Server = new(Start);

    public static string ConnectionString => Server.Value;

    /// <summary>How the server was obtained and its settings that matter for the figures (printed in the report).</summary>
    public static string Description { get; private set; } = "";

    public static string NewSchema(string system) => $"bench_{system}_{Guid.NewGuid():N}"[..32];

    public static async Task ExecuteAsync(CancellationToken cancellationToken, params string[] statements)
    {
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 3600 };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 3600 };
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static Task DropSchemaAsync(string schema) => ExecuteAsync(CancellationToken.None, $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");

    /// <summary>
    /// Transactions committed and statements executed in the database so far. Backends publish their counters when idle
    /// (at most once a second), so this waits for them first; the reading's own statements are left out by the caller
    /// taking differences of two readings, each of which costs the same.
    /// </summary>
    /// <remarks>
    /// Statements are counted since the last reading that started a phase (<paramref name="startPhase"/> resets
    /// pg_stat_statements): its entries are evicted when there are many (every run has its own schema, so its own
    /// statement texts), which would make differences of running totals wrong.
    /// </remarks>
    public static async Task<ServerCounters> CountersAsync(bool startPhase, IEnumerable<NpgsqlDataSource>? dataSources = null)
    {
        // A backend publishes its counters at most once a second and, once idle, may hold them back for up to 10 s;
        // a backend that exits publishes them at once. So close every idle pooled connection first (Hangfire's pools
        // and the stores' data sources), then give the server a moment.
        NpgsqlConnection.ClearAllPools();
        foreach (var dataSource in dataSources ?? [])
        {
            dataSource.Clear();
        }

        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT pg_stat_clear_snapshot();
            SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
                   (SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()));
            {(startPhase ? "SELECT pg_stat_statements_reset();" : "")}
            """, connection);
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
            return new ServerCounters(reader.GetInt64(0), reader.GetInt64(1));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new ServerCounters(await CommitsOnlyAsync(connection), -1); // pg_stat_statements is not installed
        }
    }

    private static async Task<long> CommitsOnlyAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("DUREX_POSTGRES") is { Length: > 0 } given)
        {
            Describe(given, "DUREX_POSTGRES");
            return given;
        }

        var script = FindScript();
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", $"cleanups=(); source '{script}' >&2 && printf '%s\\n%s\\n' \"$DUREX_POSTGRES\" \"${{cleanups[*]}}\"" },
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var connectionString = process.StandardOutput.ReadLine();
        var cleanup = process.StandardOutput.ReadLine();
        process.WaitForExit();
        if (process.ExitCode != 0 || string.IsNullOrEmpty(connectionString))
        {
            throw new InvalidOperationException($"{script} could not start a PostgreSQL server (exit code {process.ExitCode}); set DUREX_POSTGRES to use one of yours.");
        }

        if (!string.IsNullOrEmpty(cleanup))
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Process.Start("bash", ["-c", cleanup])?.WaitForExit();
        }

        Environment.SetEnvironmentVariable("DUREX_POSTGRES", connectionString); // worker processes of `multi` inherit it
        Describe(connectionString, "started by eng/services/postgres.sh for this run");
        return connectionString;
    }

    private static void Describe(string connectionString, string origin)
    {
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand(
                "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN " +
                "('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections', 'shared_preload_libraries', 'jit')",
                connection);
            Description = $"{origin}; {command.ExecuteScalar()}";
            using var extension = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection);
            extension.ExecuteNonQuery();
        }
        catch (PostgresException e)
        {
            Description = $"{origin} ({e.MessageText})";
        }
    }

    private static string FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "eng", "services", "postgres.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("eng/services/postgres.sh not found above the harness; set DUREX_POSTGRES.");
    }
}
