using System.Diagnostics;
using Hangfire;
using Hangfire.InMemory;

namespace Durex.Benchmarks.Memory;

/// <summary>
/// The same workload on Hangfire with Hangfire.InMemory storage: enqueue N no-op jobs with
/// <see cref="BackgroundJobClient"/>, then start a <see cref="BackgroundJobServer"/> and poll the job counter every
/// 10 ms until it reaches N.
/// </summary>
internal sealed class HangfireMemoryScenario : IScenario
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);

    public string Name => "hangfire-memory";

    public string Group => "memory";

    public string System => Systems.Hangfire;

    public string Description => "Hangfire, InMemoryStorage: BackgroundJobClient.Enqueue, then BackgroundJobServer";

    public int DefaultCount => 100_000;

    public async Task<ScenarioResult> RunAsync(BenchmarkOptions options, int count, CancellationToken cancellationToken)
    {
        var counter = HangfireNoopJob.Counter;
        counter.Reset();
        using var storage = new InMemoryStorage(new InMemoryStorageOptions());
        var client = new BackgroundJobClient(storage);

        // Enqueue: the usual client call (expression → serialized invocation data → storage), nothing running yet.
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            client.Enqueue(() => HangfireNoopJob.Run());
        }

        var enqueue = clock.Elapsed;

        // Drain: from creating the server until the counter reaches N (server startup included, like Durex's StartAsync).
        using var progressStop = new CancellationTokenSource();
        var progress = options.Progress ? counter.ReportProgressAsync(Name, count, progressStop.Token) : Task.CompletedTask;
        var timedOut = false;
        TimeSpan drain;
        TimeSpan shutdown;
        clock.Restart();
        var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                WorkerCount = options.Workers,
                ServerName = $"durex-bench-{Environment.ProcessId}",
                ShutdownTimeout = TimeSpan.FromSeconds(15),
            },
            storage);
        try
        {
            while (counter.Value < count)
            {
                if (clock.Elapsed > options.Timeout)
                {
                    timedOut = true;
                    break;
                }

                await Task.Delay(PollEvery, cancellationToken);
            }

            drain = clock.Elapsed;
        }
        finally
        {
            await progressStop.CancelAsync();
            await progress;
            clock.Restart();
            server.SendStop();
            server.Dispose(); // waits for the workers and background processes to stop
            shutdown = clock.Elapsed;
        }

        return new ScenarioResult(Name, Group, System, count, options.Workers, enqueue, drain, counter.Value, shutdown)
        {
            TimedOut = timedOut,
        };
    }
}

/// <summary>The Hangfire job: a public static no-op that counts its runs.</summary>
public static class HangfireNoopJob
{
    internal static JobCounter Counter { get; } = new();

    /// <summary>Runs one job.</summary>
    public static void Run() => Counter.Increment();
}
