using System.Globalization;
using Durex.Benchmarks.Backends;
using Durex.Benchmarks.Scenarios;

namespace Durex.Benchmarks;

/// <summary>Entry point: parse, warm up, run the scenarios on Durex (and Hangfire), print lines, the table and ratios.</summary>
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

        if (options.Target == "worker")
        {
            return await WorkerProcesses.WorkAsync(options);
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        Report.PrintHeader(options);
        var scenarios = options.Target == "all" ? Catalog.All : [Catalog.Find(options.Target)!];
        var results = new List<Result>();
        try
        {
            await WarmUpAsync(options, scenarios, cancel.Token);
            foreach (var scenario in scenarios)
            {
                results.AddRange(await RunAsync(scenario.Durex, options, options.Jobs ?? scenario.DurexJobs(options.Store), cancel.Token));
                if (options.CompareHangfire)
                {
                    results.AddRange(await RunAsync(scenario.Hangfire, options, options.HangfireJobs ?? scenario.HangfireJobs(options.Store), cancel.Token));
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
        }

        Report.PrintTable(results);
        return results.Any(r => r.Failed) || cancel.IsCancellationRequested ? 1 : 0;
    }

    private static async Task<IReadOnlyList<Result>> RunAsync(
        Func<BenchmarkOptions, string, int, CancellationToken, Task<IReadOnlyList<Result>>> run, BenchmarkOptions options, int jobs, CancellationToken ct)
    {
        // Start from a clean heap so the previous run's garbage is not charged to this one.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var results = await run(options, options.Store, jobs, ct);
        foreach (var result in results)
        {
            Console.WriteLine(result.Line());
        }

        return results;
    }

    /// <summary>
    /// Unmeasured drains for <see cref="BenchmarkOptions.WarmupTime"/>: tiered JIT installs optimized code only after
    /// methods ran a while, and without this short runs measure tier-0 code. Then a short pause for the tiering to finish.
    /// </summary>
    private static async Task WarmUpAsync(BenchmarkOptions options, IReadOnlyList<Scenario> scenarios, CancellationToken ct)
    {
        if (options.WarmupTime <= TimeSpan.Zero || scenarios.All(s => s.Name is "multi" or "pgbench"))
        {
            return;
        }

        var drain = Catalog.Find("drain")!;
        foreach (var (run, jobs, lib) in new[]
                 {
                     (drain.Durex, options.Store == Stores.Memory ? 20_000 : 5_000, Systems.Durex),
                     (drain.Hangfire, options.Store == Stores.Memory ? 20_000 : 200, Systems.Hangfire),
                 })
        {
            if (lib == Systems.Hangfire && !options.CompareHangfire)
            {
                continue;
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var rounds = 0;
            do
            {
                await run(options, options.Store, jobs, ct);
                rounds++;
            }
            while (clock.Elapsed < options.WarmupTime);

            Console.Error.WriteLine($"warm-up: {lib}, {rounds} round(s) of {jobs:N0} jobs in {clock.Elapsed.TotalSeconds:F1} s");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
    }
}
