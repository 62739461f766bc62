using System.Diagnostics;
using Durex.Conformance;

namespace Durex.Sqlite.Tests;

/// <summary>A command enqueued in one process and run in another joins the enqueuer's trace through the stored trace context.</summary>
public sealed class CrossProcessTraceTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task The_attempt_in_another_process_is_a_child_of_the_enqueue_span()
    {
        using var spans = new SpanRecorder();
        Activity root;
        await using (var store = new SqliteStore(_database.Path))
        await using (var client = new Executor(store))
        using (root = SpanRecorder.TestSource.StartActivity("checkout request")!)
        {
            await client.AddAsync(new CommandSpec("traced"));
        }

        var enqueue = spans.Single(root.TraceId, "enqueue traced");
        var output = Path.Combine(_database.Directory, "spans.txt");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { MultiProcessTests.WorkerPath(), "--trace", _database.Path, output })
        {
            start.ArgumentList.Add(argument);
        }

        using var worker = Process.Start(start)!;
        try
        {
            await worker.WaitForExitAsync().WaitAsync(HangGuard);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }
        }

        Assert.True(worker.ExitCode == 0, $"worker exited with {worker.ExitCode}: {await worker.StandardError.ReadToEndAsync()}");
        var remote = File.ReadAllLines(output).Select(line => line.Split('|')).ToDictionary(f => f[0]);
        var process = remote["process traced"];
        Assert.Equal(nameof(ActivityKind.Consumer), process[1]);
        Assert.Equal(root.TraceId.ToHexString(), process[2]);                 // the same trace ...
        Assert.Equal(enqueue.SpanId.ToHexString(), process[4]);               // ... as a child of the enqueue span
        var child = remote["process traced-child"];
        Assert.Equal(root.TraceId.ToHexString(), child[2]);
        Assert.Equal(process[3], child[4]);                                    // spawned commands are children of the attempt
    }
}
