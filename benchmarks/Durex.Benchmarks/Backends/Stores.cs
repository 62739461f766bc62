namespace Durex.Benchmarks.Backends;

/// <summary>The store families every scenario runs on.</summary>
internal static class Stores
{
    public const string Memory = "memory";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static IReadOnlyList<string> All { get; } = [Memory, Sqlite, Postgres];
}

/// <summary>Database-side cost of a phase (PostgreSQL only): transactions and statements, from the server's statistics.</summary>
internal readonly record struct ServerCounters(long Commits, long Statements);
