using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace Durex.Benchmarks;

/// <summary>Prints the machine header, the aligned results table and the Durex/Hangfire ratio lines.</summary>
internal static class Report
{
    public static void PrintHeader(BenchmarkOptions options)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Durex benchmarks, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine($"machine   {Environment.ProcessorCount} logical processors, {RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}");
        Console.WriteLine($"runtime   {RuntimeInformation.FrameworkDescription}, {BuildKind(typeof(Program).Assembly)} harness, {BuildKind(typeof(Executor).Assembly)} Durex {Version(typeof(Executor).Assembly)}, TieredPGO {OnOff(AppContext.GetData("System.Runtime.TieredPGO"), true)}");
        Console.WriteLine($"gc        {GcMode()}");
        Console.WriteLine($"settings  workers {options.Workers}; Durex ClaimBatchSize {options.ClaimBatch:N0}, ApplyBatchSize {options.ApplyBatch:N0}, AddManyAsync chunk {options.Chunk:N0}; " +
                          $"warm-up {(options.Warmup == 0 ? "off" : $"rounds of {options.Warmup:N0} jobs for {options.WarmupTime.TotalSeconds:F0} s per scenario")}");
        Console.WriteLine();
    }

    public static void PrintResults(IReadOnlyList<ScenarioResult> results)
    {
        if (results.Count == 0)
        {
            return;
        }

        string[] headers = ["scenario", "jobs", "workers", "enqueue", "enqueue/s", "drain", "drain/s", "stop", "alloc/job", "GCs 0/1/2", "GC pause", "check"];
        var rows = results.Select(r => new[]
        {
            r.Scenario,
            N(r.Count),
            N(r.Workers),
            Seconds(r.Enqueue),
            N(r.EnqueueRate),
            Seconds(r.Drain),
            N(r.DrainRate),
            Seconds(r.Shutdown),
            Bytes(r.AllocatedBytes / (double)Math.Max(r.Count, 1)),
            $"{r.Collections.Gen0}/{r.Collections.Gen1}/{r.Collections.Gen2}",
            Seconds(r.GcPause),
            Check(r),
        }).ToList();

        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine(Line(headers, widths));
        Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Console.WriteLine(Line(row, widths));
        }

        foreach (var problem in results.Where(r => r.Problem is not null))
        {
            Console.WriteLine($"{problem.Scenario}: {problem.Problem}");
        }

        Console.WriteLine();
        var compared = false;
        foreach (var group in results.GroupBy(r => r.Group))
        {
            var durex = group.FirstOrDefault(r => r.System == Systems.Durex);
            var hangfire = group.FirstOrDefault(r => r.System == Systems.Hangfire);
            if (durex is null || hangfire is null)
            {
                continue;
            }

            compared = true;
            var caveat = durex.Verified && hangfire.Verified ? "" : " (UNVERIFIED: a run failed its check)";
            Console.WriteLine($"{group.Key} enqueue: durex {N(durex.EnqueueRate)} jobs/s, hangfire {N(hangfire.EnqueueRate)} jobs/s, ratio {Ratio(durex.EnqueueRate, hangfire.EnqueueRate)}{caveat}");
            Console.WriteLine($"{group.Key} drain: durex {N(durex.DrainRate)} jobs/s, hangfire {N(hangfire.DrainRate)} jobs/s, ratio {Ratio(durex.DrainRate, hangfire.DrainRate)}{caveat}");
        }

        if (!compared)
        {
            foreach (var r in results)
            {
                Console.WriteLine($"{r.Group} drain: {r.System} {N(r.DrainRate)} jobs/s");
            }
        }
    }

    private static string GcMode()
    {
        var mode = GCSettings.IsServerGC ? "server" : "workstation";
        var concurrent = OnOff(AppContext.GetData("System.GC.Concurrent"), true) == "on" ? "concurrent" : "non-concurrent";
        var source = Environment.GetEnvironmentVariable("DOTNET_gcServer") ?? Environment.GetEnvironmentVariable("COMPlus_gcServer");
        var origin = source is null
            ? "from the project's <ServerGarbageCollection>false</ServerGarbageCollection>; DOTNET_gcServer=1 switches"
            : $"from DOTNET_gcServer={source}";
        return $"{mode}, {concurrent} ({origin}), latency mode {GCSettings.LatencyMode}, heap limit {Bytes(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)}";
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?";

    private static string BuildKind(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true ? "DEBUG (unoptimized!)" : "Release";

    private static string OnOff(object? value, bool fallback) =>
        (value is bool b ? b : value is string s && bool.TryParse(s, out var parsed) ? parsed : fallback) ? "on" : "off";

    private static string Check(ScenarioResult r) =>
        r.TimedOut ? $"TIMEOUT ({N(r.Executed)} ran)"
        : r.Executed != r.Count ? $"FAIL ({N(r.Executed)} ran)"
        : r.Problem is not null ? "FAIL (see below)"
        : "ok";

    private static string Line(string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }

            // Text columns left-aligned, numbers right-aligned.
            line.Append(i == 0 || i == cells.Length - 1 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i]));
        }

        return line.ToString().TrimEnd();
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s";

    private static string Ratio(double a, double b) =>
        b <= 0 ? "n/a" : (a / b).ToString("F1", CultureInfo.InvariantCulture) + "x";

    private static string Bytes(double bytes) =>
        bytes >= 1 << 30 ? (bytes / (1 << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB"
        : bytes >= 1 << 20 ? (bytes / (1 << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB"
        : bytes >= 1 << 10 ? (bytes / (1 << 10)).ToString("F1", CultureInfo.InvariantCulture) + " KiB"
        : bytes.ToString("F0", CultureInfo.InvariantCulture) + " B";
}
