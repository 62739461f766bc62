using System.Diagnostics;
using System.Globalization;

namespace Durex.Benchmarks;

/// <summary>Entry point: parse, run the scenarios one after another, print the table and the Durex/Hangfire ratios.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        var options = BenchmarkOptions.Parse(args, out var error);
        if (options is null)
        {
            if (error is { Length: 0 })
            {
                Console.Write(BenchmarkOptions.Usage());
                return 0;
            }

            Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine();
            Console.Error.Write(BenchmarkOptions.Usage());
            return 2;
        }

        if (LatencyRun.ScenarioFor(options.Target) is { } latencyScenario)
        {
            Report.PrintHeader(options);
            var latency = await latencyScenario.RunLatencyAsync(options, options.DurexCount ?? BenchmarkOptions.DefaultLatencyCount, CancellationToken.None);
            Console.WriteLine(latency.Line());
            return latency.Incomplete ? 1 : 0;
        }

        var scenarios = Scenarios.Resolve(options.Target, options.Compare);
        if (scenarios is null)
        {
            Console.Error.WriteLine($"error: unknown scenario '{options.Target}'.");
            Console.Error.WriteLine();
            Console.Error.Write(BenchmarkOptions.Usage());
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        Report.PrintHeader(options);
        var results = new List<ScenarioResult>();
        try
        {
            foreach (var scenario in scenarios)
            {
                results.Add(await RunMeasuredAsync(scenario, options, cancel.Token));
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
        }

        Report.PrintResults(results);
        return results.Count == scenarios.Count && results.All(r => r.Verified) ? 0 : 1;
    }

    private static async Task<ScenarioResult> RunMeasuredAsync(IScenario scenario, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var count = options.CountFor(scenario);
        var warmup = Math.Min(options.Warmup, count);
        if (warmup > 0)
        {
            // Unmeasured: tiered JIT only swaps in optimized code after methods have run a while and the process went
            // quiet for ~100 ms, so short runs measure tier-0 code. Repeat rounds for WarmupTime, then pause briefly.
            var warming = Stopwatch.StartNew();
            var rounds = 0;
            do
            {
                var warm = await scenario.RunAsync(options, warmup, cancellationToken);
                rounds++;
                if (!warm.Verified)
                {
                    Console.Error.WriteLine($"{scenario.Name}: warm-up ran {warm.Executed:N0} of {warmup:N0} jobs{(warm.TimedOut ? " (timed out)" : "")}");
                    break;
                }
            }
            while (warming.Elapsed < options.WarmupTime);

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            Console.Error.WriteLine($"{scenario.Name}: warmed up with {rounds} round(s) of {warmup:N0} jobs in {warming.Elapsed.TotalSeconds:F1} s");
        }

        // Start from a clean heap so the previous scenario's garbage is not charged to this one.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var paused = GC.GetTotalPauseDuration();

        Console.Error.WriteLine($"{scenario.Name}: measuring with {count:N0} jobs");
        var clock = Stopwatch.StartNew();
        var result = await scenario.RunAsync(options, count, cancellationToken);
        Console.Error.WriteLine($"{scenario.Name}: done in {clock.Elapsed.TotalSeconds:F1} s");

        return result with
        {
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated,
            Collections = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2),
            GcPause = GC.GetTotalPauseDuration() - paused,
        };
    }
}
