using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Durex.Storage;
using Durex.Tests.Shared;
using Npgsql;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// The process tests start worker processes, kill them and stop servers: they run alone (not beside other test classes),
/// so that the machine's two cores are theirs and their timing bounds stay meaningful.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "Reliability processes";
}

/// <summary>Sizes, seeds and paths shared by the process tests.</summary>
internal static class Reliability
{
    /// <summary>DUREX_RELIABILITY_LONG=1 runs the full sizes (20,000 / 50,000 commands, a 10-minute soak).</summary>
    public static bool Long => Environment.GetEnvironmentVariable("DUREX_RELIABILITY_LONG") == "1";

    public static string Variant => Long ? "long" : "CI";

    public static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>How long any one wait of a test may take before it counts as a hang.</summary>
    public static TimeSpan HangGuard => Long ? TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(3);

    /// <summary>The seed of the test's random choices: DUREX_RELIABILITY_SEED replays a run; printed either way.</summary>
    public static int Seed(ITestOutputHelper output)
    {
        var text = Environment.GetEnvironmentVariable("DUREX_RELIABILITY_SEED");
        var seed = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next(1, int.MaxValue);
        output.WriteLine($"seed {seed} (replay with DUREX_RELIABILITY_SEED={seed})");
        return seed;
    }

    /// <summary>The worker program, built next to this test project (same configuration and framework).</summary>
    public static string WorkerPath()
    {
        var testDirectory = AppContext.BaseDirectory; // tests/Durex.Reliability.Tests/bin/<Configuration>/<tfm>/
        var tfm = new DirectoryInfo(testDirectory).Name;
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name;
        var worker = Path.GetFullPath(Path.Combine(testDirectory, "..", "..", "..", "..", "Durex.Reliability.Worker", "bin", configuration, tfm,
            "Durex.Reliability.Worker.dll"));
        Assert.True(File.Exists(worker), $"The worker is not built at {worker}.");
        return worker;
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    public static async Task<long> CountAsync(ICommandStore store, CommandStatus status) =>
        (await store.GetStatisticsAsync(new StatisticsRequest { Now = DateTimeOffset.UtcNow })).Counts[status];

    /// <summary>Every command in <paramref name="status"/> (paged).</summary>
    public static async Task<List<CommandInstance>> FindAllAsync(ICommandStore store, CommandStatus status)
    {
        var all = new List<CommandInstance>();
        var query = new CommandQuery { Statuses = [status], Limit = CommandQuery.MaxLimit, Order = CommandOrder.OldestFirst };
        while (true)
        {
            var page = await store.FindAsync(query);
            all.AddRange(page.Items);
            if (page.NextCursor is null)
            {
                return all;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <summary>Adds <paramref name="count"/> "rel" commands; returns their ids.</summary>
    public static async Task<HashSet<Guid>> EnqueueAsync(ICommandStore store, int count)
    {
        var ids = new HashSet<Guid>();
        await using var client = new Executor(store);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(5000))
        {
            var added = await client.AddManyAsync(chunk.Select(i => new CommandSpec("rel") { Data = { ["i"] = i } }));
            ids.UnionWith(added.Select(c => c.Id));
        }

        return ids;
    }

    /// <summary>Reads the execution files of the workers: how often each id ran, and which ids each file holds.</summary>
    public static (Dictionary<Guid, int> Counts, List<HashSet<Guid>> PerFile) ReadExecutions(IEnumerable<string> files)
    {
        var counts = new Dictionary<Guid, int>();
        var perFile = new List<HashSet<Guid>>();
        foreach (var file in files)
        {
            var mine = new HashSet<Guid>();
            if (File.Exists(file))
            {
                foreach (var line in File.ReadAllLines(file))
                {
                    var id = Guid.Parse(line); // one unbuffered write per line: a kill cannot leave half a line
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                    mine.Add(id);
                }
            }

            perFile.Add(mine);
        }

        return (counts, perFile);
    }
}

/// <summary>Polls a condition (never sleeps a fixed time to assert): fails with a description when the guard passes.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan guard, Func<string> describe, int intervalMs = 20)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > guard)
            {
                Assert.Fail($"Not reached within {guard}: {describe()}");
            }

            await Task.Delay(intervalMs);
        }
    }
}

/// <summary>
/// The PostgreSQL server named by DUREX_POSTGRES (a fresh schema per test); the tests skip without it, and fail under
/// CI=true.
/// </summary>
internal static class TestPostgres
{
    public const string SkipReason = "DUREX_POSTGRES is not set; run eng/test.sh or source eng/services/postgres.sh";

    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("DUREX_POSTGRES");
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }

            if (Reliability.OnCi)
            {
                throw new InvalidOperationException("CI=true but " + SkipReason + ": the PostgreSQL tests must run on CI.");
            }

            throw new SkipException(SkipReason);
        }
    }

    public static string NewSchema(string purpose) => $"durex_rel_{purpose}_{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary><paramref name="connectionString"/> with an application name, so the test can find that process's backends.</summary>
    public static string WithApplicationName(string connectionString, string applicationName) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString;

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "durex-reliability-test" }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Backends of <paramref name="applicationName"/> (optionally only in <paramref name="state"/>).</summary>
    public static Task<long> BackendsAsync(string connectionString, string applicationName, string? state = null) =>
        state is null
            ? ScalarAsync(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", applicationName)
            : ScalarAsync(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = $2", applicationName, state);

    /// <summary>
    /// Waits until a killed process's backends are gone: whatever it had sent is then committed or rolled back, so a
    /// snapshot of the store taken afterwards is final for that process.
    /// </summary>
    public static Task WaitForBackendsGoneAsync(string connectionString, string applicationName) =>
        Poll.UntilAsync(async () => await BackendsAsync(connectionString, applicationName) == 0, TimeSpan.FromSeconds(30),
            () => $"the backends of {applicationName} are still there");

    public static async Task DropSchemaAsync(string connectionString, string schema)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// Writes a test's figures to its output and appends them as one line to artifacts/reliability/results.md (for
/// docs/reliability.md), when that folder can be created.
/// </summary>
internal static class Results
{
    private static readonly Lock Gate = new();

    public static void Report(ITestOutputHelper output, string test, params (string Name, object Value)[] figures)
    {
        var text = string.Join(", ", figures.Select(f => f.Name + "=" + Format(f.Value)));
        output.WriteLine($"{test} [{Reliability.Variant}]: {text}");
        try
        {
            var directory = Path.Combine(ExternalProcess.RepoRoot(), "artifacts", "reliability");
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, "results.md");
            lock (Gate)
            {
                if (!File.Exists(file))
                {
                    File.WriteAllText(file, "# Reliability figures\n\nOne line per run, appended by tests/Durex.Reliability.Tests.\n\n" +
                        "| when (UTC) | test | variant | cores | figures |\n|---|---|---|---|---|\n");
                }

                File.AppendAllText(file, string.Create(CultureInfo.InvariantCulture,
                    $"| {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} | {test} | {Reliability.Variant} | {Environment.ProcessorCount} | {text.Replace("|", "\\|", StringComparison.Ordinal)} |\n"));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            output.WriteLine($"(figures not appended to artifacts/reliability/results.md: {ex.Message})");
        }
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        TimeSpan t => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string Megabytes(long bytes) => (bytes / 1024d / 1024d).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}
