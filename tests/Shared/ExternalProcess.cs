using System.Diagnostics;
using System.Text;
using Xunit;

namespace Durex.Tests.Shared;

/// <summary>
/// For tests that drive the .NET CLI or a built program as a real process (the NativeAOT publish, the build of the
/// mistakes project). Compiled into each test project that needs it.
/// </summary>
internal static class ExternalProcess
{
    /// <summary>The repository root: the first folder above the test assembly holding Durex.sln.</summary>
    public static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Durex.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Durex.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs a process to its end (killing its whole tree past <paramref name="guard"/>), stdout and stderr merged.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string workingDirectory, TimeSpan guard, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` runs this inside MSBuild's environment; a nested build must not inherit its settings.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(guard);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {guard}:\n{Text()}");
        }

        process.WaitForExit(); // drains the redirected streams
        return (process.ExitCode, Text());

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.Append(line).Append('\n');
                }
            }
        }

        string Text()
        {
            lock (text)
            {
                return text.ToString();
            }
        }
    }
}
