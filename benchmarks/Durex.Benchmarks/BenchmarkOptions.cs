using System.Globalization;
using System.Text;

namespace Durex.Benchmarks;

/// <summary>The command line, hand-parsed: <c>&lt;scenario|group&gt; [--flag value]…</c>.</summary>
internal sealed class BenchmarkOptions
{
    public const int DefaultWorkers = 8;
    public const int DefaultClaimBatch = 500;
    public const int DefaultApplyBatch = 1000;
    public const int DefaultChunk = 10_000;
    public const int DefaultWarmup = 20_000;
    public const int DefaultWarmupSeconds = 3;
    public const int DefaultTimeoutSeconds = 600;
    public const int DefaultRate = 200;
    public const int DefaultLatencyCount = 1000;

    /// <summary>A scenario name, a group name or <c>all</c>.</summary>
    public string Target { get; private set; } = "";

    /// <summary>Jobs for Durex scenarios (null: the scenario's default).</summary>
    public int? DurexCount { get; private set; }

    /// <summary>Commands per second enqueued by the latency runs.</summary>
    public int Rate { get; private set; } = DefaultRate;

    /// <summary>Jobs for Hangfire scenarios (null: the scenario's default).</summary>
    public int? HangfireCount { get; private set; }

    /// <summary>Concurrent workers: Durex <c>Parallelism</c>, Hangfire <c>WorkerCount</c>.</summary>
    public int Workers { get; private set; } = DefaultWorkers;

    /// <summary>Durex <c>ClaimBatchSize</c>.</summary>
    public int ClaimBatch { get; private set; } = DefaultClaimBatch;

    /// <summary>Durex <c>ApplyBatchSize</c>.</summary>
    public int ApplyBatch { get; private set; } = DefaultApplyBatch;

    /// <summary>Specs per <c>AddManyAsync</c> call.</summary>
    public int Chunk { get; private set; } = DefaultChunk;

    /// <summary>Jobs per unmeasured warm-up round before each scenario (0: no warm-up).</summary>
    public int Warmup { get; private set; } = DefaultWarmup;

    /// <summary>Warm-up rounds repeat until this long has passed, so tiered JIT reaches its optimized code.</summary>
    public TimeSpan WarmupTime { get; private set; } = TimeSpan.FromSeconds(DefaultWarmupSeconds);

    /// <summary>Run the other systems of a group too (Hangfire next to Durex).</summary>
    public bool Compare { get; private set; } = true;

    /// <summary>Longest a drain may take before the scenario is reported as timed out.</summary>
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);

    /// <summary>Print the executed count every second while draining (to stderr).</summary>
    public bool Progress { get; private set; }

    public int CountFor(IScenario scenario) =>
        (scenario.System == Systems.Hangfire ? HangfireCount : DurexCount) ?? scenario.DefaultCount;

    /// <summary>Parses <paramref name="args"/>; on failure returns null and sets <paramref name="error"/> (empty for --help).</summary>
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

            switch (arg)
            {
                case "--compare":
                    options.Compare = true;
                    continue;
                case "--no-compare":
                    options.Compare = false;
                    continue;
                case "--progress":
                    options.Progress = true;
                    continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{arg} needs a value.";
                return null;
            }

            var text = args[++i];
            var min = arg is "--warmup" or "--warmup-time" ? 0 : 1;
            if (!TryParseCount(text, out var value) || value < min)
            {
                error = $"{arg}: '{text}' is not a whole number >= {min} (1000000, 1_000_000, 100k and 1m are accepted).";
                return null;
            }

            switch (arg)
            {
                case "--count" or "-n":
                    options.DurexCount = value;
                    break;
                case "--hangfire-count":
                    options.HangfireCount = value;
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
                case "--warmup":
                    options.Warmup = value;
                    break;
                case "--warmup-time":
                    options.WarmupTime = TimeSpan.FromSeconds(value);
                    break;
                case "--timeout":
                    options.Timeout = TimeSpan.FromSeconds(value);
                    break;
                case "--rate":
                    options.Rate = value;
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
        text.AppendLine("Durex benchmarks: enqueue N no-op jobs, then measure how fast they drain.");
        text.AppendLine();
        text.AppendLine("Usage: dotnet run -c Release --project benchmarks/Durex.Benchmarks -- <scenario|group|all> [options]");
        text.AppendLine();
        text.AppendLine("Groups (run every scenario of the store family, then compare Durex with Hangfire):");
        foreach (var group in Scenarios.Groups)
        {
            var members = Scenarios.All.Where(s => s.Group == group).Select(s => s.Name);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group,-18} {string.Join(" + ", members)}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  {"all",-18} every group");
        text.AppendLine();
        text.AppendLine("Scenarios:");
        foreach (var scenario in Scenarios.All)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {scenario.Name,-18} {scenario.Description} (default N = {scenario.DefaultCount:N0})");
        }

        text.AppendLine();
        text.AppendLine("Latency (enqueue-to-start, one command at a time at a steady rate, through a second store handle):");
        foreach (var store in LatencyRun.Stores)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  latency-{store,-10} p50/p95/p99/max on the {store} store (default N = {DefaultLatencyCount:N0} at {DefaultRate}/s)");
        }

        text.AppendLine();
        text.AppendLine("Options:");
        text.AppendLine("  -n, --count N          jobs for the Durex scenarios");
        text.AppendLine("  --hangfire-count N     jobs for the Hangfire scenarios");
        text.AppendLine(CultureInfo.InvariantCulture, $"  -w, --workers N        concurrent workers for both systems (default {DefaultWorkers})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --claim-batch N        Durex ClaimBatchSize (default {DefaultClaimBatch})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --apply-batch N        Durex ApplyBatchSize (default {DefaultApplyBatch})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --chunk N              specs per AddManyAsync call (default {DefaultChunk:N0})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --warmup N             jobs per unmeasured warm-up round, 0 = no warm-up (default {DefaultWarmup:N0})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --warmup-time SECONDS  repeat warm-up rounds for at least this long (default {DefaultWarmupSeconds})");
        text.AppendLine("  --compare              run Hangfire next to Durex for a group (the default)");
        text.AppendLine("  --no-compare           run only the Durex scenarios of a group");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --timeout SECONDS      give up on a drain after this long (default {DefaultTimeoutSeconds})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  --rate N               commands per second for the latency runs (default {DefaultRate})");
        text.AppendLine("  --progress             print the executed count every second while draining (stderr)");
        text.AppendLine();
        text.AppendLine("Counts accept 1000000, 1_000_000, 1,000,000, 100k and 1m.");
        text.AppendLine("Example: dotnet run -c Release --project benchmarks/Durex.Benchmarks -- memory --count 1m --workers 8");
        return text.ToString();
    }
}
