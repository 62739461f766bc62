using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Durex.Cli.Tests;

public sealed class SqliteFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    protected override Task<ICliStore> CreateStoreAsync() => Task.FromResult<ICliStore>(new SqliteCliStore());
}

public sealed class PostgresFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    protected override async Task<ICliStore> CreateStoreAsync() => await PostgresCliStore.CreateAsync();
}

/// <summary>
/// The tool fed with seeded random argument lists (garbage mixed with real commands and options, in any order) over a
/// seeded store: every run ends with a documented exit code other than 1 ("unexpected error"), a failure says something
/// on stderr, <c>--json</c> output parses, and the seeded commands and their history are exactly as before. The values
/// are chosen so that no run can legitimately change a seeded command (no real id, tag, or valid purge age), so any
/// change is a bug. DUREX_FUZZ_SEED replays a run; DUREX_RELIABILITY_LONG=1 runs ten times as many.
/// </summary>
public abstract class FuzzTests(ITestOutputHelper output)
{
    private static readonly int Runs = Environment.GetEnvironmentVariable("DUREX_RELIABILITY_LONG") == "1" ? 20_000 : 2_000;

    private static readonly string[] Verbs = ["list", "get", "cancel", "retry", "replay", "purge", "stats", "migrate"];

    private static readonly string[] JunkVerbs = ["", "LIST", "lis", "help", "dashboard2", "purge-all", "-", "--", "🚀", "get\0"];

    private static readonly string[] Options =
    [
        "--status", "--name", "--tag", "--correlation-id", "--parent-id", "--search", "--limit", "--cursor", "--order",
        "--created-from", "--created-before", "--json", "--history", "--reason", "--dlq", "--older-than", "--batch-size",
        "--progress", "--schema", "--table-prefix", "--url", "-x", "--nope", "---", "--json=", "--limit=5", "--LIMIT",
    ];

    private static readonly string[] Values =
    [
        "", " ", "\0", "\t\n", "abc", "-1", "-0", "1e3", "2147483648", "99999999999999999999", "0x10", "NaN", "½", "5",
        "pending", "FAILED", "dead_letter", "Dead-Letter", "bogus", "completed,failed", "ok", "fail", "later",
        "7x", "-7d", "1d-", "d", "9999999999999d", "1.5d", "7 d", "７d", "1w1w", "asc", "desc", "sideways",
        "2026-13-45", "yesterday", "9999-12-31T23:59:59Z", "0001-01-01", "2026-03-02T09:00:00+14:00",
        "eyJub3QiOiJhIGN1cnNvciJ9", "AAAA", "!!!", "'; DROP TABLE durex_commands; --", "\" OR 1=1 --", "%s%n%x",
        "<script>alert(1)</script>", "ü𝄞 עברית", "../../etc/passwd", "bad-name", "1abc", "x;drop", "http://0.0.0.0:1",
        "http://[::1", "ftp://x", "order-9", "tenant:9",
    ];

    private const string Punctuation = "-=;:,'\"\\/%*?&|<>{}[]";

    private readonly ITestOutputHelper _output = output;

    protected abstract Task<ICliStore> CreateStoreAsync();

    [SkippableFact]
    public async Task Random_arguments_never_crash_the_tool_or_touch_unrelated_commands()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DUREX_FUZZ_SEED"), CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : 20261203;
        _output.WriteLine($"seed {seed} (DUREX_FUZZ_SEED replays it), {Runs:N0} runs");
        var random = new Random(seed);

        await using var world = new World(await CreateStoreAsync());
        var seeded = await world.SeedAsync();
        var before = await SnapshotAsync(world, seeded);
        var missingFile = Path.Combine(Path.GetTempPath(), "durex-fuzz-" + Guid.NewGuid().ToString("N"), "missing.db");

        var exitCodes = new SortedDictionary<int, int>();
        for (var run = 0; run < Runs; run++)
        {
            var args = Arguments(random, world.Store.Args, missingFile);
            var result = await Cli.RunAsync(args, time: world.Time);
            exitCodes[result.ExitCode] = exitCodes.GetValueOrDefault(result.ExitCode) + 1;
            var shown = string.Join(' ', args.Select(a => JsonSerializer.Serialize(a)));
            Assert.True(result.ExitCode is ExitCodes.Success or ExitCodes.Usage or ExitCodes.NotFound or ExitCodes.InvalidState or ExitCodes.StoreUnavailable,
                $"run {run}: durex {shown}\n{result}");
            Assert.DoesNotContain("Unexpected error", result.Err, StringComparison.Ordinal);
            if (result.ExitCode != ExitCodes.Success)
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Err), $"run {run}: durex {shown} failed without saying why\n{result}");
            }
            else if (AsksForJson(args) && !args.Any(a => a is "--help" or "-h" or "-?" or "--version"))
            {
                try
                {
                    using var parsed = JsonDocument.Parse(result.Out);
                }
                catch (JsonException e)
                {
                    Assert.Fail($"run {run}: durex {shown} with --json printed something that is not JSON ({e.Message})\n{result}");
                }
            }
        }

        _output.WriteLine("exit codes: " + string.Join(", ", exitCodes.Select(e => $"{e.Key} × {e.Value:N0}")));
        Assert.Equal(before, await SnapshotAsync(world, seeded));
        Assert.False(File.Exists(missingFile), "a read of a missing SQLite file created it");
        Assert.True(exitCodes.Keys.Count >= 3, "the runs should reach the store, fail on usage and miss ids");
    }

    /// <summary>True when --json is there as the flag, not as the value of an option before it (<c>--name --json</c>).</summary>
    private static bool AsksForJson(string[] args) =>
        Enumerable.Range(0, args.Length).Any(i => args[i] == "--json" && (i == 0 || !TakesValue(args[i - 1])));

    private static bool TakesValue(string option) =>
        option.StartsWith("--", StringComparison.Ordinal) && option is not ("--json" or "--history" or "--dlq" or "--progress") && !option.Contains('=', StringComparison.Ordinal);

    /// <summary>Half well-formed commands carrying junk text (so it reaches the store), half garbage.</summary>
    private static string[] Arguments(Random random, string[] storeArgs, string missingFile) =>
        random.Next(2) == 0 ? WellFormed(random, storeArgs) : Garbage(random, storeArgs, missingFile);

    /// <summary>A valid command line whose free-text values are junk; never a real id or tag, nor a purge age under 1 h.</summary>
    private static string[] WellFormed(Random random, string[] storeArgs)
    {
        string Text() => random.Next(3) == 0 ? RandomText(random) : Values[random.Next(Values.Length)];
        string Pick(params string[] choices) => choices[random.Next(choices.Length)];
        var args = new List<string>();
        void Maybe(params string[] option)
        {
            if (random.Next(2) == 0)
            {
                args.AddRange(option);
            }
        }

        switch (Pick(Verbs))
        {
            case "list":
                args.Add("list");
                Maybe("--status", Pick("pending", "started,failed", "DEAD_LETTER", "completed", "waiting,repeating,cancelled,expired"));
                Maybe("--name", Text());
                Maybe("--tag", Text());
                Maybe("--correlation-id", Text());
                Maybe("--search", Text());
                Maybe("--limit", random.Next(1, 500).ToString(CultureInfo.InvariantCulture));
                Maybe("--order", Pick("newest", "oldest"));
                Maybe("--created-from", Pick("2026-03-02T09:00:00Z", "2000-01-01", "2026-03-02T08:59:00-05:00"));
                break;
            case "get":
                args.AddRange(["get", Guid.NewGuid().ToString()]);
                Maybe("--history");
                break;
            case "cancel":
                args.AddRange(random.Next(2) == 0 ? ["cancel", Guid.NewGuid().ToString()] : ["cancel", "--tag", Text()]);
                Maybe("--reason", Text());
                break;
            case "retry" or "replay":
                args.AddRange([Pick("retry", "replay"), Guid.NewGuid().ToString()]);
                break;
            case "purge":
                args.AddRange(["purge", "--dlq", "--older-than", Pick("1h", "12h", "7d", "2w", "1d12h")]);
                Maybe("--batch-size", random.Next(1, 2_000).ToString(CultureInfo.InvariantCulture));
                break;
            default:
                args.Add(Pick("stats", "migrate"));
                break;
        }

        Maybe("--json");
        args.InsertRange(random.Next(1, args.Count + 1), storeArgs);
        return [.. args];
    }

    /// <summary>A verb (or junk, or nothing), then options, values, ids and store options in random order.</summary>
    private static string[] Garbage(Random random, string[] storeArgs, string missingFile)
    {
        var args = new List<string>();
        var roll = random.Next(20);
        var verb = roll < 17 ? Verbs[random.Next(Verbs.Length)] : roll < 19 ? JunkVerbs[random.Next(JunkVerbs.Length)] : null;
        var count = random.Next(0, 7);
        for (var i = 0; i < count; i++)
        {
            args.Add(random.Next(10) switch
            {
                < 4 => Options[random.Next(Options.Length)],
                < 8 => Values[random.Next(Values.Length)],
                8 => Guid.NewGuid().ToString(), // an id no command has
                _ => RandomText(random),
            });
        }

        // The store: usually the real one (so commands reach it), sometimes a broken one, none, or two.
        roll = random.Next(20);
        string[] store = roll switch
        {
            < 15 => storeArgs,
            15 => ["--sqlite", missingFile],
            16 => ["--postgres", "Host=127.0.0.1;Port=1;Timeout=1"],
            17 => ["--postgres", "garbage===;;"],
            18 => [.. storeArgs, "--sqlite", missingFile],
            _ => [],
        };
        var position = random.Next(args.Count + 1);
        args.InsertRange(position, store);
        if (verb is not null)
        {
            args.Insert(random.Next(4) == 0 ? random.Next(args.Count + 1) : 0, verb);
        }

        return [.. args];
    }

    private static string RandomText(Random random)
    {
        var length = random.Next(10) == 0 ? random.Next(1_000, 10_000) : random.Next(0, 40);
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(6) switch
            {
                0 => (char)random.Next(0, 32),
                1 => (char)random.Next(0x80, 0x2FFF),
                2 => Punctuation[random.Next(Punctuation.Length)],
                _ => (char)random.Next('a', 'z' + 1),
            });
        }

        return text.ToString();
    }

    /// <summary>Everything about the seeded commands a run could change, and how many commands there are.</summary>
    private static async Task<string> SnapshotAsync(World world, Seeded seeded)
    {
        var text = new StringBuilder();
        foreach (var id in seeded.NewestFirst)
        {
            var c = await world.GetAsync(id);
            text.AppendLine(CultureInfo.InvariantCulture, $"{c.Id} {c.Status} {c.Attempt} {c.ReadyAt:O} {c.CompletedAt:O} {c.Error} {string.Join(',', c.Tags)} {Encoding.UTF8.GetString(c.Payload.Span)}");
            foreach (var e in await world.GetHistoryAsync(id))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {e.Type} {e.Timestamp:O} {e.Attempt} {e.Message}");
            }
        }

        var statistics = await world.GetStatisticsAsync();
        text.AppendLine(CultureInfo.InvariantCulture, $"total {statistics.Total}");
        return text.ToString();
    }
}
