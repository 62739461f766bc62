using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// One run of the worker program (<c>dotnet Durex.Reliability.Worker.dll …</c>): its stdout lines are read as they come,
/// stdin takes commands ("go", "stop"), <see cref="Kill"/> sends SIGKILL. Disposing kills it if it still runs (the kill
/// guard: no test leaves a worker behind).
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const int StderrLinesKept = 200;
    private readonly Process _process;
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
    private readonly List<string> _lines = [];
    private readonly Queue<string> _stderr = new();
    private readonly Lock _gate = new();

    private WorkerProcess(string label, Process process)
    {
        Label = label;
        _process = process;
    }

    public string Label { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every stdout line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }

    public string StderrTail
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    public static WorkerProcess Start(string label, params IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Reliability.WorkerPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(label, process);
        process.OutputDataReceived += (_, e) => worker.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnStderr(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Reads stdout until a line starting with <paramref name="prefix"/>; fails if the process ends first or the guard passes.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan guard)
    {
        using var timeout = new CancellationTokenSource(guard);
        try
        {
            while (await _stdout.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_stdout.Reader.TryRead(out var line))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"{Label}: no line '{prefix}…' within {guard}.\n{Describe()}");
        }

        await _process.WaitForExitAsync();
        Assert.Fail($"{Label} ended (exit code {_process.ExitCode}) without printing '{prefix}…'.\n{Describe()}");
        return "";
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Unix), then waits until the process is gone.</summary>
    public void Kill()
    {
        Assert.False(_process.HasExited, $"{Label} had already ended (exit code {(_process.HasExited ? _process.ExitCode : 0)}) before the kill.\n{Describe()}");
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Sends "stop" and waits for a graceful exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan guard)
    {
        await SendAsync("stop");
        return await WaitForExitAsync(guard);
    }

    public async Task<int> WaitForExitAsync(TimeSpan guard)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(guard);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Label} did not exit within {guard}.\n{Describe()}");
        }

        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    public string Describe() => $"--- stderr of {Label} (last {StderrLinesKept} lines) ---\n{StderrTail}\n--- stdout (last 20 lines) ---\n{string.Join('\n', Lines.TakeLast(20))}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            _stdout.Writer.TryComplete();
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
        }

        _stdout.Writer.TryWrite(line);
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _stderr.Enqueue(line);
            if (_stderr.Count > StderrLinesKept)
            {
                _stderr.Dequeue();
            }
        }
    }
}
