using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using Durex.Benchmarks.Backends;
using Durex.Benchmarks.Scenarios;

namespace Durex.Benchmarks;

/// <summary>Prints the machine header, then (at the end) the Markdown table of every result and the Durex/Hangfire ratios.</summary>
internal static class Report
{
    public static void PrintHeader(BenchmarkOptions options)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Durex benchmarks, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine($"# machine   {Environment.ProcessorCount} logical processors, {RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}");
        Console.WriteLine($"# runtime   {RuntimeInformation.FrameworkDescription}, {BuildKind(typeof(Program).Assembly)} harness, {BuildKind(typeof(Executor).Assembly)} Durex {Version(typeof(Executor).Assembly)}");
        Console.WriteLine($"# gc        {GcMode()}");
        Console.WriteLine($"# settings  store {options.Store}; workers {options.Workers}; Durex ClaimBatchSize {options.ClaimBatch:N0}, ApplyBatchSize {options.ApplyBatch:N0}, " +
                          $"AddManyAsync chunk {options.Chunk:N0}; warm-up {options.WarmupTime.TotalSeconds:F0} s per library");
        if (options.Store == Stores.Postgres)
        {
            _ = PostgresServer.ConnectionString; // starts the server if needed, so the settings can be printed
            Console.WriteLine($"# postgres  {PostgresServer.Description}");
        }

        Console.WriteLine();
    }

    public static void PrintTable(IReadOnlyList<Result> results)
    {
        if (results.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| lib | scenario | store | jobs | workers | figures | check |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | --- | --- |");
        foreach (var r in results)
        {
            var figures = string.Join(", ", r.Figures.Select(f => $"{f.Key} {f.Value}"));
            var check = r.NotApplicable ? $"n/a: {r.Problem}" : r.Problem is null ? "ok" : $"FAIL: {r.Problem}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Lib} | {r.Scenario}{(r.Mode is null ? "" : " " + r.Mode)} | {r.Store} | {r.Jobs:N0} | {r.Workers} | {figures} | {check} |"));
        }

        var pairs = (from d in results
                     where d.Lib == Systems.Durex && d.Compared is not null
                     join h in results.Where(h => h.Lib == Systems.Hangfire && !h.NotApplicable)
                         on (d.Scenario, d.Mode, d.Store) equals (h.Scenario, h.Mode, h.Store)
                     select (Durex: d, Hangfire: h)).ToList();
        if (pairs.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| scenario | store | figure | durex | hangfire | durex advantage |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: |");
        foreach (var (durex, hangfire) in pairs)
        {
            var (key, higherIsBetter) = durex.Compared!.Value;
            var d = durex.Figure(key);
            var h = hangfire.Figure(key);
            var ratio = d is > 0 && h is > 0 ? (higherIsBetter ? d.Value / h.Value : h.Value / d.Value).ToString("F1", CultureInfo.InvariantCulture) + "x" : "n/a";
            var caveat = durex.Failed || hangfire.Failed ? " (a run failed its check)" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {durex.Scenario}{(durex.Mode is null ? "" : " " + durex.Mode)} | {durex.Store} | {key} | {Figure(d)} | {Figure(h)} | {ratio}{caveat} |"));
        }
    }

    private static string Figure(double? value) =>
        value is not { } v ? "n/a" : v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("N2", CultureInfo.InvariantCulture);

    private static string GcMode()
    {
        var mode = GCSettings.IsServerGC ? "server" : "workstation";
        var concurrent = AppContext.GetData("System.GC.Concurrent") is not false and not "false" ? "concurrent" : "non-concurrent";
        return $"{mode}, {concurrent}, heap limit {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 20):N0} MiB (DOTNET_gcServer=1 switches to server GC)";
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?";

    private static string BuildKind(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true ? "DEBUG (unoptimized!)" : "Release";
}
