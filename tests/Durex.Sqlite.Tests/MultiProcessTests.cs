using System.Diagnostics;
using Durex.Sqlite;

namespace Durex.Sqlite.Tests;

/// <summary>Two processes draining one SQLite file: every command runs exactly once, none is lost.</summary>
public sealed class MultiProcessTests : IDisposable
{
    private const int Commands = 20_000;
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Two_processes_on_one_file_run_each_command_exactly_once()
    {
        var ids = new HashSet<Guid>();
        await using (var store = new SqliteStore(_database.Path))
        await using (var client = new Executor(store))
        {
            foreach (var chunk in Enumerable.Range(0, Commands).Chunk(1000))
            {
                var added = await client.AddManyAsync(chunk.Select(i => new CommandSpec("record") { Data = { ["i"] = i } }));
                ids.UnionWith(added.Select(c => c.Id));
            }
        }

        var workers = Enumerable.Range(1, 2).Select(n => StartWorker(Path.Combine(_database.Directory, $"executed-{n}.txt"))).ToArray();
        try
        {
            foreach (var worker in workers)
            {
                Assert.Equal("ready", await worker.Process.StandardOutput.ReadLineAsync().WaitAsync(HangGuard));
            }

            foreach (var worker in workers)
            {
                await worker.Process.StandardInput.WriteLineAsync("go");
                await worker.Process.StandardInput.FlushAsync();
            }

            foreach (var worker in workers)
            {
                await worker.Process.WaitForExitAsync().WaitAsync(HangGuard);
                Assert.True(worker.Process.ExitCode == 0, $"worker exited with {worker.Process.ExitCode}: {await worker.Process.StandardError.ReadToEndAsync()}");
            }
        }
        finally
        {
            foreach (var worker in workers.Where(w => !w.Process.HasExited))
            {
                worker.Process.Kill(entireProcessTree: true);
            }
        }

        var executed = workers.Select(w => File.ReadAllLines(w.Output).Select(Guid.Parse).ToArray()).ToArray();
        var all = executed.SelectMany(e => e).ToList();
        Assert.Equal(Commands, all.Count);                       // nothing ran twice ...
        Assert.Equal(Commands, all.Distinct().Count());
        Assert.True(ids.SetEquals(all));                         // ... and nothing was lost
        Assert.All(executed, e => Assert.NotEmpty(e));           // both processes took part

        await using var check = new SqliteStore(_database.Path);
        var stats = await check.GetStatisticsAsync(new Storage.StatisticsRequest { Now = DateTimeOffset.UtcNow });
        Assert.Equal(Commands, stats.Counts[CommandStatus.Completed]);
    }

    /// <summary>The worker program, built next to this test project (same configuration and framework).</summary>
    internal static string WorkerPath()
    {
        var testDirectory = AppContext.BaseDirectory; // tests/Durex.Sqlite.Tests/bin/<Configuration>/<tfm>/
        var tfm = new DirectoryInfo(testDirectory).Name;
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name;
        var worker = Path.GetFullPath(Path.Combine(testDirectory, "..", "..", "..", "..", "Durex.Sqlite.Worker", "bin", configuration, tfm, "Durex.Sqlite.Worker.dll"));
        Assert.True(File.Exists(worker), $"The worker is not built at {worker}.");
        return worker;
    }

    private static (Process Process, string Output) StartWorker(string output)
    {
        var worker = WorkerPath();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(worker);
        start.ArgumentList.Add(Path.Combine(Path.GetDirectoryName(output)!, "durex.db"));
        start.ArgumentList.Add(output);
        return (Process.Start(start)!, output);
    }
}
