using System.Globalization;
using System.Text;
using Durex.Benchmarks.Backends;
using Durex.Benchmarks.Scenarios;

namespace Durex.Benchmarks;

/// <summary>The command line, hand-parsed: <c>&lt;scenario|all&gt; [--flag value]…</c> (flags before or after the scenario).</summary>
internal sealed class BenchmarkOptions
{
    public const int DefaultWorkers = 8;
    public const int DefaultClaimBatch = 500;
    public const int DefaultApplyBatch = 1000;
    public const int DefaultChunk = 10_000;
    public const int DefaultRate = 50;
    public const int DefaultWarmupSeconds = 3;
    public const int DefaultTimeoutSeconds = 600;

    /// <summary>A scenario name, <c>all</c>, or <c>worker</c> (a process of the multi scenario).</summary>
    public string Target { get; private set; } = "";

    public string Store { get; private set; } = Stores.Memory;

    /// <summary>Jobs for Durex (null: the scenario's default for the store).</summary>
    public int? Jobs { get; private set; }

    /// <summary>Jobs for Hangfire (null: the scenario's default for the store; Hangfire is slower).</summary>
    public int? HangfireJobs { get; private set; }

    /// <summary>Durex <c>Parallelism</c> and Hangfire <c>WorkerCount</c>.</summary>
    public int Workers { get; private set; } = DefaultWorkers;

    public int ClaimBatch { get; private set; } = DefaultClaimBatch;

    public int ApplyBatch { get; private set; } = DefaultApplyBatch;

    /// <summary>Specs per <c>AddManyAsync</c> call.</summary>
    public int Chunk { get; private set; } = DefaultChunk;

    /// <summary>Commands per second of the latency scenario.</summary>
    public int Rate { get; private set; } = DefaultRate;

    /// <summary>Unreported commands sent first by the latency scenario.</summary>
    public int LatencyWarmup { get; private set; } = 20;

    public int ScaleSmall { get; private set; } = 10_000;

    public int ScaleLarge { get; private set; } = 1_000_000;

    public IReadOnlyList<int> MultiProcesses { get; private set; } = [1, 2, 4];

    /// <summary>Run the same scenario on Hangfire too (<c>--compare hangfire</c>).</summary>
    public bool CompareHangfire { get; private set; }

    /// <summary>Unmeasured warm-up time per library before the first measurement (0: none).</summary>
    public TimeSpan WarmupTime { get; private set; } = TimeSpan.FromSeconds(DefaultWarmupSeconds);

    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);

    public bool Progress { get; private set; }

    /// <summary>Worker processes only: the PostgreSQL schema to work on.</summary>
    public string? Schema { get; private set; }

    /// <summary>Parses <paramref name="args"/>; null with <paramref name="error"/> set (empty for --help) when it cannot.</summary>
    public static BenchmarkOptions? Parse(string[] args, out string? error)
    {
        var options = new BenchmarkOptions();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "help")
            {
                error = "";
                return null;
            }

            if (!arg.StartsWith('-'))
            {
                if (options.Target.Length > 0)
                {
                    error = $"Only one scenario can be given (got '{options.Target}' and '{arg}').";
                    return null;
                }

                options.Target = arg;
                continue;
            }

            if (arg == "--progress")
            {
                options.Progress = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{arg} needs a value.";
                return null;
            }

            var text = args[++i];
            switch (arg)
            {
                case "--store" or "-s":
                    if (!Stores.All.Contains(text))
                    {
                        error = $"--store: '{text}' is not one of {string.Join(", ", Stores.All)}.";
                        return null;
                    }

                    options.Store = text;
                    continue;
                case "--compare":
                    if (text != "hangfire")
                    {
                        error = $"--compare: '{text}' is not a library the harness knows (only 'hangfire').";
                        return null;
                    }

                    options.CompareHangfire = true;
                    continue;
                case "--schema":
                    options.Schema = text;
                    continue;
                case "--processes":
                    var counts = text.Split(',').Select(p => TryParseCount(p, out var n) && n > 0 ? n : -1).ToArray();
                    if (counts.Any(n => n < 1))
                    {
                        error = $"--processes: '{text}' is not a comma-separated list of whole numbers >= 1.";
                        return null;
                    }

                    options.MultiProcesses = counts;
                    continue;
            }

            var min = arg is "--warmup-time" or "--latency-warmup" ? 0 : 1;
            if (!TryParseCount(text, out var value) || value < min)
            {
                error = $"{arg}: '{text}' is not a whole number >= {min} (1000000, 1_000_000, 100k and 1m are accepted).";
                return null;
            }

            switch (arg)
            {
                case "--jobs" or "-n":
                    options.Jobs = value;
                    break;
                case "--hangfire-jobs":
                    options.HangfireJobs = value;
                    break;
                case "--workers" or "-w":
                    options.Workers = value;
                    break;
                case "--claim-batch":
                    options.ClaimBatch = value;
                    break;
                case "--apply-batch":
                    options.ApplyBatch = value;
                    break;
                case "--chunk":
                    options.Chunk = value;
                    break;
                case "--rate":
                    options.Rate = value;
                    break;
                case "--latency-warmup":
                    options.LatencyWarmup = value;
                    break;
                case "--scale-small":
                    options.ScaleSmall = value;
                    break;
                case "--scale-large":
                    options.ScaleLarge = value;
                    break;
                case "--warmup-time":
                    options.WarmupTime = TimeSpan.FromSeconds(value);
                    break;
                case "--timeout":
                    options.Timeout = TimeSpan.FromSeconds(value);
                    break;
                default:
                    error = $"Unknown option '{arg}'.";
                    return null;
            }
        }

        if (options.Target.Length == 0)
        {
            error = "No scenario given.";
            return null;
        }

        if (options.Target != "all" && options.Target != "worker" && Catalog.Find(options.Target) is null)
        {
            error = $"Unknown scenario '{options.Target}'.";
            return null;
        }

        if (options.Target == "worker" && options.Schema is null)
        {
            error = "worker needs --schema.";
            return null;
        }

        return options;
    }

    private static bool TryParseCount(string text, out int value)
    {
        var s = text.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
        long multiplier = 1;
        if (s.EndsWith('k'))
        {
            multiplier = 1_000;
            s = s[..^1];
        }
        else if (s.EndsWith('m'))
        {
            multiplier = 1_000_000;
            s = s[..^1];
        }

        value = 0;
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number * multiplier > int.MaxValue)
        {
            return false;
        }

        value = (int)(number * multiplier);
        return true;
    }

    public static string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine("Durex benchmarks: the same scenario on Durex and, with --compare hangfire, on Hangfire, in one run.");
        text.AppendLine();
        text.AppendLine("Usage: dotnet run -c Release --project benchmarks/Durex.Benchmarks -- <scenario|all> [--store memory|sqlite|postgres] [options]");
        text.AppendLine();
        text.AppendLine("Scenarios:");
        foreach (var scenario in Catalog.All)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {scenario.Name,-10} {scenario.Description}");
        }

        text.AppendLine("  all        every scenario, one after the other");
        text.AppendLine();
        text.AppendLine("Options:");
        text.AppendLine("  -s, --store S          memory (default), sqlite or postgres (DUREX_POSTGRES, or a throwaway server from eng/services/postgres.sh)");
        text.AppendLine("  --compare hangfire     run the scenario on Hangfire too (same store kind, same server, same workers) and print the ratio");
        text.AppendLine("  -n, --jobs N           jobs for Durex (default: per scenario and store)");
        text.AppendLine("  --hangfire-jobs N      jobs for Hangfire (default: per scenario and store; rates are compared, not times)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  -w, --workers N        Durex Parallelism and Hangfire WorkerCount (default {DefaultWorkers})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --claim-batch N        Durex ClaimBatchSize (default {DefaultClaimBatch})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --apply-batch N        Durex ApplyBatchSize (default {DefaultApplyBatch})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --chunk N              specs per AddManyAsync call (default {DefaultChunk:N0})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --rate N               latency: commands per second (default {DefaultRate})");
        text.AppendLine("  --latency-warmup N     latency: unreported commands sent first (default 20)");
        text.AppendLine("  --scale-small N        scale: completed commands already stored, small case (default 10k)");
        text.AppendLine("  --scale-large N        scale: completed commands already stored, large case (default 1m)");
        text.AppendLine("  --processes LIST       multi: process counts to run (default 1,2,4)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --warmup-time SECONDS  unmeasured warm-up per library before measuring, 0 = none (default {DefaultWarmupSeconds})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --timeout SECONDS      give up on a run after this long (default {DefaultTimeoutSeconds})");
        text.AppendLine("  --progress             print the executed count every second while draining (stderr)");
        text.AppendLine();
        text.AppendLine("Counts accept 1000000, 1_000_000, 1,000,000, 100k and 1m. Each result is one line on stdout");
        text.AppendLine("(lib=durex scenario=drain store=postgres jobs=100000 workers=8 jobs_per_s=… commits_per_job=…),");
        text.AppendLine("and a Markdown table with the Durex/Hangfire ratios ends the run.");
        text.AppendLine("Example: dotnet run -c Release --project benchmarks/Durex.Benchmarks -- drain --store postgres --compare hangfire");
        return text.ToString();
    }
}
