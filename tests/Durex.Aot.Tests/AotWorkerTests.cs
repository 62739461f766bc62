using Durex.Tests.Shared;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Durex.Aot.Tests;

/// <summary>
/// samples/AotWorker published with NativeAOT: the publish shows no warning (trim/AOT analysis, CS9057, CS8032…), and the
/// native executable, copied alone into an empty folder, runs its commands and workflows to the expected end. Size,
/// startup time and peak memory are written to the test output: reported, never asserted.
/// </summary>
public sealed partial class AotWorkerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PublishGuard = TimeSpan.FromMinutes(10); // hang guards, not timing assertions
    private static readonly TimeSpan RunGuard = TimeSpan.FromMinutes(2);

    [SkippableFact]
    public async Task The_worker_publishes_as_NativeAOT_without_warnings_and_its_binary_runs_alone()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64, "The AOT check publishes for linux-x64.");

        var root = ExternalProcess.RepoRoot();
        var temp = Directory.CreateTempSubdirectory("durex-aot-");
        try
        {
            var publishDirectory = Path.Combine(temp.FullName, "publish");
            var stopwatch = Stopwatch.StartNew();
            // --artifacts-path: the publish builds into the temp folder, never into the bin/obj the solution build and the
            // other test projects use. --disable-build-servers: no MSBuild or compiler server outlives the test.
            var publish = await ExternalProcess.RunAsync("dotnet", root, PublishGuard,
                "publish", Path.Combine(root, "samples", "AotWorker", "AotWorker.csproj"),
                "-c", "Release", "-r", "linux-x64", "-o", publishDirectory,
                "--artifacts-path", Path.Combine(temp.FullName, "artifacts"),
                "--disable-build-servers", "-nologo", "-tl:off");
            stopwatch.Stop();
            output.WriteLine($"publish: {stopwatch.Elapsed.TotalSeconds:0.0} s, exit {publish.ExitCode}");
            Assert.True(publish.ExitCode == 0, $"dotnet publish failed (exit {publish.ExitCode}):\n{publish.Output}");

            var warnings = publish.Output.Split('\n').Where(l => WarningLine().IsMatch(l)).Select(l => l.Trim()).Distinct().ToArray();
            Assert.True(warnings.Length == 0, $"dotnet publish printed {warnings.Length} warnings:\n{string.Join('\n', warnings)}");

            // Only the executable: no managed assemblies, no libe_sqlite3.so beside it.
            var binary = Path.Combine(publishDirectory, "AotWorker");
            Assert.True(File.Exists(binary), $"no AotWorker executable in {publishDirectory}: {string.Join(", ", Directory.GetFiles(publishDirectory).Select(Path.GetFileName))}");
            var runDirectory = Directory.CreateDirectory(Path.Combine(temp.FullName, "run")).FullName;
            var copy = Path.Combine(runDirectory, "AotWorker");
            File.Copy(binary, copy);
            var size = new FileInfo(copy).Length;
            output.WriteLine($"binary_size_mb={size / 1024.0 / 1024.0:0.00} ({size} bytes)");

            // Three runs in the same folder: each starts from a fresh store (the previous run's file is deleted).
            for (var run = 1; run <= 3; run++)
            {
                var result = await ExternalProcess.RunAsync(copy, runDirectory, RunGuard);
                if (run == 1)
                {
                    output.WriteLine(result.Output);
                }

                Assert.True(result.ExitCode == 0, $"run {run}: AotWorker exited {result.ExitCode}:\n{result.Output}");
                Assert.Contains("result: OK", result.Output);
                Assert.Contains("commands: 20 completed, 1 failed", result.Output);
                Assert.Matches(@"workflow fulfilOrder A-1001: Completed \(4 commands", result.Output);
                Assert.Matches(@"workflow fulfilOrder B-1002: Completed \(4 commands", result.Output);
                Assert.Matches(@"workflow fulfilOrder C-1003: Compensated \(7 commands", result.Output);
                Assert.Contains("order C-1003: refunded ch_C-1003", result.Output);
                Assert.DoesNotContain("UNEXPECTED", result.Output);

                var startup = Measurement(result.Output, "startup_to_first_command_ms");
                var rss = Measurement(result.Output, "peak_rss_mb");
                output.WriteLine($"run {run}: startup_to_first_command_ms={startup.ToString(CultureInfo.InvariantCulture)} " +
                                 $"peak_rss_mb={rss.ToString(CultureInfo.InvariantCulture)}");
            }

            Assert.Equal(["AotWorker", "aotworker.db"], Directory.GetFiles(runDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>A value the worker printed as <c>name=value</c>; it must be there and be a number.</summary>
    private static double Measurement(string text, string name)
    {
        var match = Regex.Match(text, $@"^{name}=(\d+(?:\.\d+)?)\s*$", RegexOptions.Multiline);
        Assert.True(match.Success, $"the worker printed no numeric {name}=…:\n{text}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }


    /// <summary>An MSBuild, compiler, ILLink or ILC warning line: "file(1,2): warning IL2026: …", "ILC : warning IL3050: …".</summary>
    [GeneratedRegex(@"\bwarning\s+[A-Z]+[0-9]+\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex WarningLine();
}
