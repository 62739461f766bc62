using System.Diagnostics;

namespace Durex.Benchmarks.Tests;

/// <summary>
/// The harness run briefly on tiny sizes: every scenario completes, passes its own checks (exit code 0) and prints the
/// documented line format and tables. Speed is not asserted here; it is what the harness reports.
/// </summary>
public sealed class HarnessTests
{
    [Fact]
    public async Task Every_scenario_runs_on_SQLite_next_to_Hangfire_and_prints_lines_and_ratios()
    {
        var (exit, output, errors) = await RunAsync("all", "--store", "sqlite", "--compare", "hangfire", "--jobs", "600", "--hangfire-jobs", "30",
            "--rate", "200", "--scale-small", "100", "--scale-large", "2000", "--warmup-time", "0");

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{errors}");
        foreach (var scenario in new[] { "enqueue mode=single", "enqueue mode=bulk", "drain", "e2e", "latency", "workflow mode=sequence3", "workflow mode=fanout10", "scale mode=rows_100", "scale mode=rows_2000" })
        {
            Assert.Contains($"lib=durex scenario={scenario} store=sqlite", output);
        }

        Assert.Contains("lib=hangfire scenario=drain store=sqlite jobs=30 workers=8 jobs_per_s=", output);
        Assert.Contains("lib=hangfire scenario=workflow mode=fanout10 store=sqlite", output); // reported as not applicable
        Assert.Contains("p99_ms=", output);
        Assert.Contains("| drain | sqlite | jobs_per_s |", output);
        Assert.Contains("| latency | sqlite | p50_ms |", output);
    }

    [Fact]
    public async Task Bad_arguments_exit_with_2_and_say_what_to_fix()
    {
        var (exit, _, errors) = await RunAsync("drain", "--store", "oracle");
        Assert.Equal(2, exit);
        Assert.Contains("--store: 'oracle' is not one of memory, sqlite, postgres.", errors);

        (exit, _, errors) = await RunAsync("drains");
        Assert.Equal(2, exit);
        Assert.Contains("Unknown scenario 'drains'.", errors);

        (exit, _, errors) = await RunAsync("drain", "--jobs", "-5");
        Assert.Equal(2, exit);
        Assert.Contains("--jobs: '-5' is not a whole number >= 1", errors);
    }

    [SkippableFact]
    public async Task Several_processes_and_pgbench_run_on_PostgreSQL_each_command_exactly_once()
    {
        Skip.If(Environment.GetEnvironmentVariable("DUREX_POSTGRES") is not { Length: > 0 } && Environment.GetEnvironmentVariable("CI") != "true",
            "DUREX_POSTGRES is not set; run eng/test.sh or source eng/services/postgres.sh");

        var (exit, output, errors) = await RunAsync("multi", "--store", "postgres", "--jobs", "3000", "--processes", "1,2");
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{errors}");
        Assert.Contains("lib=durex scenario=multi mode=processes_2 store=postgres jobs=3000", output);
        Assert.Contains("commits_per_job=", output);
        Assert.Contains("statements_per_job=", output);

        (exit, output, errors) = await RunAsync("pgbench", "--store", "postgres", "--jobs", "3000");
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{errors}");
        Assert.Contains("completed=3000", output);
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] arguments)
    {
        var testDirectory = AppContext.BaseDirectory; // tests/Durex.Benchmarks.Tests/bin/<Configuration>/<tfm>/
        var tfm = new DirectoryInfo(testDirectory).Name;
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name;
        var harness = Path.GetFullPath(Path.Combine(testDirectory, "..", "..", "..", "..", "..", "benchmarks", "Durex.Benchmarks", "bin", configuration, tfm, "Durex.Benchmarks.dll"));
        Assert.True(File.Exists(harness), $"The harness is not built at {harness}.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(harness);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // a hang guard, not a timing assertion
        await process.WaitForExitAsync(guard.Token);
        return (process.ExitCode, await output, await errors);
    }
}
