using Durex.Benchmarks.Memory;
using Durex.Benchmarks.Postgres;
using Durex.Benchmarks.Sqlite;

namespace Durex.Benchmarks;

/// <summary>Every scenario the harness knows. Add new ones (SQLite, PostgreSQL) here.</summary>
internal static class Scenarios
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new DurexMemoryScenario(),
        new HangfireMemoryScenario(),
        new DurexSqliteScenario(),
        new HangfireSqliteScenario(),
        new DurexPostgresScenario(),
        new HangfirePostgresScenario(),
    ];

    public static IEnumerable<string> Groups => All.Select(s => s.Group).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// Resolves a command-line target: a group name runs its Durex scenarios plus, with comparison on, the others of the
    /// group; a scenario name runs just that scenario; <c>all</c> runs every group.
    /// </summary>
    public static IReadOnlyList<IScenario>? Resolve(string target, bool compare)
    {
        if (string.Equals(target, "all", StringComparison.Ordinal))
        {
            return All.Where(s => compare || s.System == Systems.Durex).ToArray();
        }

        var group = All.Where(s => string.Equals(s.Group, target, StringComparison.Ordinal)).ToArray();
        if (group.Length > 0)
        {
            return group.Where(s => compare || s.System == Systems.Durex).ToArray();
        }

        var single = All.FirstOrDefault(s => string.Equals(s.Name, target, StringComparison.Ordinal));
        return single is null ? null : [single];
    }
}
