using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Durex.Tests.Shared;

namespace Durex.Cli.Tests;

/// <summary>The built tool as a real process: <c>dotnet src/Durex.Cli/bin/…/Durex.Cli.dll …</c>.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task The_built_tool_reads_DUREX_STORE_prints_json_and_reports_exit_codes()
    {
        await using var world = new World(new SqliteCliStore());
        var seeded = await world.SeedAsync();
        var store = new Dictionary<string, string> { ["DUREX_STORE"] = world.Store.Variable };

        var list = await CliProcess.RunAsync(["list", "--json", "--status", "dead_letter,failed"], store);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal([seeded.Failed.Id, seeded.DeadLetter.Id], list.Json()["items"]!.AsArray().Select(i => Guid.Parse((string)i!["id"]!)));
        Assert.Equal("", list.Err);

        var get = await CliProcess.RunAsync(["get", seeded.Completed.Id.ToString(), "--history"], store);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains("status:         COMPLETED", get.Out);
        Assert.Contains("history:", get.Out);

        var badId = await CliProcess.RunAsync(["get", "nope"], store);
        Assert.Equal(ExitCodes.Usage, badId.ExitCode);
        Assert.Contains("'nope' is not a valid command id", badId.Err);
        Assert.Equal("", badId.Out);

        Assert.Equal(ExitCodes.NotFound, (await CliProcess.RunAsync(["retry", Guid.NewGuid().ToString()], store)).ExitCode);
        Assert.Equal(ExitCodes.InvalidState, (await CliProcess.RunAsync(["retry", seeded.Completed.Id.ToString()], store)).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await CliProcess.RunAsync(["stats"], [])).ExitCode);
        var version = await CliProcess.RunAsync(["--version"], []);
        Assert.Equal(typeof(DurexCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion + "\n", version.Out);

        var missing = Path.Combine(((SqliteCliStore)world.Store).Folder, "missing.db");
        var unusable = await CliProcess.RunAsync(["stats", "--sqlite", missing], []);
        Assert.Equal(ExitCodes.StoreUnavailable, unusable.ExitCode);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task The_built_tool_serves_the_dashboard_until_SIGTERM_and_runs_no_command()
    {
        await using var world = new World(new SqliteCliStore());
        var seeded = await world.SeedAsync();

        await using var process = CliProcess.Start([.. world.Store.Args, "dashboard", "--url", "http://127.0.0.1:0"], []);
        var url = await process.WaitForLineAsync(l => l.StartsWith("http://", StringComparison.Ordinal));
        Assert.Matches(@"^http://127\.0\.0\.1:[1-9]\d*/$", url);

        using (var http = new HttpClient { BaseAddress = new Uri(url), Timeout = Cli.HangGuard })
        {
            var stats = JsonNode.Parse(await http.GetStringAsync("api/stats"))!;
            Assert.False((bool)stats["isRunning"]!);
            Assert.Equal(5, (long)stats["total"]!);
            Assert.Equal(2, (long)stats["counts"]!["PENDING"]!);
            var detail = JsonNode.Parse(await http.GetStringAsync($"api/commands/{seeded.Pending.Id}"))!;
            Assert.Equal("PENDING", (string)detail["command"]!["status"]!);
            using var replay = new HttpRequestMessage(HttpMethod.Post, $"api/commands/{seeded.DeadLetter.Id}/replay");
            replay.Headers.Add("X-Durex-Dashboard", "1");
            using var refused = await http.SendAsync(replay);
            Assert.False(refused.IsSuccessStatusCode);
        }

        var result = await process.StopAsync();
        Assert.Equal(url + "\n", result.Out);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Press Ctrl+C to stop.", result.Err);
        Assert.Contains("Dashboard stopped.", result.Err);

        var pending = await world.GetAsync(seeded.Pending.Id);
        Assert.Equal(CommandStatus.Pending, pending.Status);
        Assert.Equal(0, pending.Attempt);
        Assert.Equal(CommandStatus.DeadLetter, (await world.GetAsync(seeded.DeadLetter.Id)).Status);
    }
}

/// <summary>A run of the built tool with separate stdout and stderr, which a test can wait on and stop with SIGTERM.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Line)> _waiters = [];

    private CliProcess(Process process) => _process = process;

    /// <summary>The tool's own build output, built by the project reference in this test's configuration.</summary>
    public static string ToolPath
    {
        get
        {
            var configuration = typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
            var path = Path.Combine(ExternalProcess.RepoRoot(), "src", "Durex.Cli", "bin", configuration, framework, "Durex.Cli.dll");
            Assert.True(File.Exists(path), $"The tool is not built at {path}.");
            return path;
        }
    }

    public static async Task<CliResult> RunAsync(string[] args, Dictionary<string, string> variables)
    {
        await using var process = Start(args, variables);
        using var guard = new CancellationTokenSource(Cli.HangGuard);
        await process._process.WaitForExitAsync(guard.Token);
        return process.Result();
    }

    public static CliProcess Start(string[] args, Dictionary<string, string> variables)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing from the test run's environment may choose the store.
        start.Environment.Remove("DUREX_STORE");
        foreach (var (name, value) in variables)
        {
            start.Environment[name] = value;
        }

        var process = new CliProcess(new Process { StartInfo = start });
        process._process.OutputDataReceived += (_, e) => process.Append(process._out, e.Data, watch: true);
        process._process.ErrorDataReceived += (_, e) => process.Append(process._err, e.Data, watch: false);
        process._process.Start();
        process._process.StandardInput.Close();
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_out)
        {
            var seen = _out.ToString().Split('\n').FirstOrDefault(match);
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }

            _waiters.Add((match, line));
        }

        _ = _process.WaitForExitAsync().ContinueWith(_ => line.TrySetException(new InvalidOperationException($"The tool exited first:\n{Result()}")), TaskScheduler.Default);
        return line.Task.WaitAsync(Cli.HangGuard);
    }

    /// <summary>SIGTERM, as a service manager stops it, then waits for the exit.</summary>
    public async Task<CliResult> StopAsync()
    {
        if (OperatingSystem.IsWindows())
        {
            _process.Kill();
        }
        else
        {
            Assert.Equal(0, Kill(_process.Id, 15));
        }

        using var guard = new CancellationTokenSource(Cli.HangGuard);
        await _process.WaitForExitAsync(guard.Token);
        return Result();
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

    private CliResult Result()
    {
        if (_process.HasExited)
        {
            _process.WaitForExit(); // drains the redirected streams
        }

        lock (_out)
        {
            lock (_err)
            {
                return new CliResult(_process.HasExited ? _process.ExitCode : -1, _out.ToString(), _err.ToString());
            }
        }
    }

    private void Append(StringBuilder text, string? line, bool watch)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.Append(line).Append('\n');
            if (watch)
            {
                foreach (var waiter in _waiters.Where(w => w.Match(line)).ToArray())
                {
                    waiter.Line.TrySetResult(line);
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
