using System.Globalization;
using Npgsql;

namespace Durex.Benchmarks.Postgres;

/// <summary>The server (DUREX_POSTGRES), fresh schemas per run, and commit counting from <c>pg_stat_database</c>.</summary>
internal static class PostgresBench
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("DUREX_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("DUREX_POSTGRES is not set: `source eng/services/postgres.sh` first (it starts a throwaway server).");

    public static string NewSchema(string system) => $"bench_{system}_{Guid.NewGuid():N}"[..32];

    /// <summary>Transactions committed in the database so far (statistics flushed first, so the figure is current).</summary>
    public static async Task<long> CommitsAsync()
    {
        // Backends report their counters when idle for a moment (at most once a second): let them.
        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Prints the commits per job of a run phase to stderr (the report table has no column for it).</summary>
    public static void Report(string scenario, string phase, long commits, int jobs) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{scenario}: {phase}: {commits:N0} commits for {jobs:N0} jobs = {(double)commits / jobs:F4} commits/job"));
}
