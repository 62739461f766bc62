using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Durex.Samples.Tests;

/// <summary>
/// A sample running as a real process (<c>dotnet &lt;sample&gt;.dll</c>), its stdout and stderr collected line by line.
/// Tests wait for lines and for the exit, never for a fixed time; <see cref="Guard"/> only ends a hung sample.
/// Disposing kills the process tree if it is still running.
/// </summary>
internal sealed partial class SampleProcess : IAsyncDisposable
{
    /// <summary>How long any single wait may take before the test fails: a hang guard, not a timing assertion.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly string _description;
    private readonly List<string> _lines = [];
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waiters = [];
    private int _openStreams = 2;

    private SampleProcess(Process process, string description)
    {
        _process = process;
        _description = description;
    }

    /// <summary>Everything the sample printed so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts <paramref name="sample"/> (Basic, Workflow, FanIn) in <paramref name="workingDirectory"/>.</summary>
    public static SampleProcess Start(string sample, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath(sample));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var process = new Process { StartInfo = start };
        var sampleProcess = new SampleProcess(process, $"{sample} {string.Join(' ', arguments)}".TrimEnd());
        process.OutputDataReceived += (_, e) => sampleProcess.Received(e.Data);
        process.ErrorDataReceived += (_, e) => sampleProcess.Received(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sampleProcess;
    }

    /// <summary>The first line (printed so far or later) matching <paramref name="pattern"/>.</summary>
    public async Task<Match> WaitForLineAsync(string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        TaskCompletionSource<Match> found;
        lock (_lines)
        {
            if (_lines.Select(l => regex.Match(l)).FirstOrDefault(m => m.Success) is { } match)
            {
                return match;
            }

            if (_openStreams == 0)
            {
                Assert.Fail($"{_description} ended without printing a line matching /{pattern}/:\n{string.Join('\n', _lines)}");
            }

            found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((regex, found));
        }

        try
        {
            return await found.Task.WaitAsync(Guard);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{_description} printed no line matching /{pattern}/ within {Guard}:\n{Output}");
            throw;
        }
    }

    /// <summary>Waits for the process to end and returns its exit code; kills it and fails past <see cref="Guard"/>.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Guard);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            Assert.Fail($"{_description} did not exit within {Guard}:\n{Output}");
        }

        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Ctrl+C: sends SIGINT, as a terminal does.</summary>
    public void Interrupt()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("Interrupt sends SIGINT, on Linux and macOS.");
        }

        if (SendSignal(_process.Id, SigInt) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({_process.Id}, SIGINT) failed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The sample's assembly in its build output, as recorded by the project file (RecordDurexSamplePaths).</summary>
    private static string AssemblyPath(string sample)
    {
        var path = typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "sample:" + sample)?.Value;
        Assert.True(path is not null, $"no sample named {sample} is referenced by Durex.Samples.Tests.csproj");
        Assert.True(File.Exists(path), $"{path} does not exist: build the solution (or this test project) first");
        return path;
    }

    /// <summary>The dotnet host running these tests (the SDK sets DOTNET_HOST_PATH), else the one on the PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private void Received(string? line)
    {
        lock (_lines)
        {
            if (line is null)
            {
                if (--_openStreams == 0)
                {
                    var output = string.Join('\n', _lines);
                    foreach (var (pattern, found) in _waiters)
                    {
                        found.TrySetException(new InvalidOperationException(
                            $"{_description} ended without printing a line matching /{pattern}/:\n{output}"));
                    }

                    _waiters.Clear();
                }

                return;
            }

            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Pattern.Match(line) is { Success: true } match)
                {
                    _waiters[i].Found.TrySetResult(match);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private const int SigInt = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}

/// <summary>An empty temporary folder, deleted with its contents afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("durex-samples-");

    public string Path => _directory.FullName;

    public IReadOnlyList<string> FileNames() =>
        _directory.GetFiles().Select(f => f.Name).Order(StringComparer.Ordinal).ToArray();

    public void Dispose() => _directory.Delete(recursive: true);
}
