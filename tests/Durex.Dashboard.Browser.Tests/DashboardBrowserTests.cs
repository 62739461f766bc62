using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Durex.Tests.Shared;
using Xunit.Abstractions;

namespace Durex.Dashboard.Browser.Tests;

/// <summary>
/// The dashboard's page in headless Chromium, driven by browser/dashboard.mjs (playwright-core, the browser from
/// DUREX_CHROMIUM: nothing is downloaded). The script prints one JSON line per check; this test asserts every expected
/// check ran and passed, and shows the script's whole output when one did not.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    /// <summary>Whole run of the script, browser start included. A hang ends in a kill and a failure, never a stuck suite.</summary>
    private static readonly TimeSpan ScriptGuard = TimeSpan.FromMinutes(3);

    /// <summary>Every check the script reports, in its order.</summary>
    private static readonly string[] ExpectedChecks =
    [
        "page-loads",
        "live-counts",
        "filter-name",
        "filter-status",
        "filter-tag",
        "filter-search",
        "filter-clear-and-paging",
        "detail-history",
        "retry",
        "workflow",
        "dead-letters",
        "xss-inert",
        "overview-throughput",
        "phone-layout",
        "no-console-errors",
    ];

    [SkippableFact]
    public async Task Dashboard_works_in_headless_Chromium()
    {
        var chromium = Environment.GetEnvironmentVariable("DUREX_CHROMIUM");
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        const string setup = "run eng/test.sh or `source eng/services/browser.sh` (installs Debian's chromium and playwright-core)";
        if (string.IsNullOrWhiteSpace(chromium))
        {
            Assert.False(ci, "CI=true but DUREX_CHROMIUM is not set: the browser tests must run on CI; " + setup + ".");
            Skip.If(true, "DUREX_CHROMIUM is not set; " + setup + ".");
        }

        var directory = Environment.GetEnvironmentVariable("DUREX_BROWSER_TESTS_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(ExternalProcess.RepoRoot(), "tests", "Durex.Dashboard.Browser.Tests", "browser");
        Assert.True(File.Exists(Path.Combine(directory, "node_modules", "playwright-core", "package.json")),
            $"playwright-core is not installed in {directory}: {setup}.");

        await using var dashboard = await SeededDashboard.StartAsync();
        var stopwatch = Stopwatch.StartNew();
        var (exitCode, lines) = await RunScriptAsync(dashboard, directory, chromium!);
        output.WriteLine($"script finished in {stopwatch.Elapsed.TotalSeconds:F1} s with exit code {exitCode}");
        var transcript = string.Join('\n', lines);
        output.WriteLine(transcript);

        var checks = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.StartsWith('{') && JsonNode.Parse(line) is JsonObject json && json["check"] is { } name)
            {
                checks[(string)name!] = json;
            }
        }

        var problems = new List<string>();
        foreach (var name in ExpectedChecks)
        {
            if (!checks.TryGetValue(name, out var check))
            {
                problems.Add($"{name}: not reported");
            }
            else if (!(bool)check["ok"]!)
            {
                problems.Add($"{name}: {check["detail"]?.ToJsonString()}");
            }
        }

        Assert.True(problems.Count == 0 && exitCode == 0,
            $"{problems.Count} browser check(s) failed (exit code {exitCode}):\n  {string.Join("\n  ", problems)}\n--- script output ---\n{transcript}");
    }

    /// <summary>
    /// Runs <c>node dashboard.mjs url plan</c>. The script prints <c>{"event":"ready"}</c> once the page shows the seeded
    /// counts; then the executor starts enqueuing more work and the test answers <c>go</c> on stdin, and the page must
    /// see the counts move.
    /// </summary>
    private static async Task<(int ExitCode, List<string> Lines)> RunScriptAsync(SeededDashboard dashboard, string directory, string chromium)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        start.ArgumentList.Add("dashboard.mjs");
        start.ArgumentList.Add(dashboard.Server.Uri.ToString());
        start.ArgumentList.Add(dashboard.Plan.ToJsonString());
        start.Environment["DUREX_CHROMIUM"] = chromium;
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DUREX_SCREENSHOT_DIR")))
        {
            start.Environment["DUREX_SCREENSHOT_DIR"] = Path.Combine(ExternalProcess.RepoRoot(), "docs", "images"); // with DUREX_SCREENSHOTS=1
        }

        var lines = new List<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Add(e.Data);
            if (e.Data.Contains("\"event\":\"ready\"", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Add("stderr: " + e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var guard = new CancellationTokenSource(ScriptGuard);
        try
        {
            var exited = process.WaitForExitAsync(guard.Token);
            if (await Task.WhenAny(ready.Task, exited) == ready.Task)
            {
                dashboard.StartTrickle();
                await process.StandardInput.WriteLineAsync("go");
                await process.StandardInput.FlushAsync();
            }

            await exited;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Add($"(killed: the script did not finish within {ScriptGuard})");
            return (-1, Snapshot());
        }

        process.WaitForExit(); // drains the redirected streams
        return (process.ExitCode, Snapshot());

        void Add(string line)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }

        List<string> Snapshot()
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }
}
