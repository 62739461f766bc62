using System.Diagnostics;
using Hangfire;
using Hangfire.Storage;

namespace Durex.Benchmarks;

/// <summary>
/// The same workload on Hangfire: enqueue N no-op jobs with <see cref="BackgroundJobClient"/>, then start a
/// <see cref="BackgroundJobServer"/> and poll the job counter every 10 ms until it reaches N. Each storage's scenario
/// only says how to create a fresh, empty storage.
/// </summary>
internal abstract class HangfireScenario : IScenario
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);

    public abstract string Name { get; }

    public abstract string Group { get; }

    public string System => Systems.Hangfire;

    public abstract string Description { get; }

    public abstract int DefaultCount { get; }

    /// <summary>A fresh, empty storage; disposed after the run when it is disposable.</summary>
    protected abstract JobStorage CreateStorage();

    public async Task<ScenarioResult> RunAsync(BenchmarkOptions options, int count, CancellationToken cancellationToken)
    {
        var counter = HangfireNoopJob.Counter;
        counter.Reset();
        var storage = CreateStorage();
        using var storageLifetime = storage as IDisposable;
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
