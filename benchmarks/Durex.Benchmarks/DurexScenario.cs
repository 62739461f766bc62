using System.Diagnostics;
using System.Globalization;

using Durex.Storage;

namespace Durex.Benchmarks;

/// <summary>
/// Durex on one store: enqueue N no-op commands with <c>AddManyAsync</c> in chunks, then start the executor and wait
/// with <c>WaitForIdleAsync</c> until nothing is ready and nothing is in flight. Each store's scenario only says how
/// to open a fresh, empty store.
/// </summary>
internal abstract class DurexScenario : IScenario
{
    private const string CommandName = "noop";

    public abstract string Name { get; }

    public abstract string Group { get; }

    public string System => Systems.Durex;

    public abstract string Description { get; }

    public abstract int DefaultCount { get; }

    /// <summary>A fresh, empty, initialized store; disposed after the run.</summary>
    protected abstract Task<ICommandStore> CreateStoreAsync(CancellationToken cancellationToken);

    /// <summary>Called after enqueueing, after draining and stopping, and once the store is disposed (store-specific figures and cleanup).</summary>
    protected virtual Task OnPhaseAsync(RunPhase phase, int count) => Task.CompletedTask;

    /// <summary>
    /// A second handle on the store of the current run, as another process would open it (PostgreSQL: its own data
    /// source, so the executor learns of new commands through NOTIFY only); null when the store has no such thing.
    /// </summary>
    protected virtual Task<ICommandStore?> OpenSecondHandleAsync(CancellationToken cancellationToken) => Task.FromResult<ICommandStore?>(null);

    /// <summary>Measures enqueue-to-start latency on this scenario's store (see <see cref="LatencyRun"/>).</summary>
    public async Task<LatencyResult> RunLatencyAsync(BenchmarkOptions options, int count, CancellationToken cancellationToken)
    {
        try
        {
            var store = await CreateStoreAsync(cancellationToken);
            await using var storeLifetime = store;
            var client = await OpenSecondHandleAsync(cancellationToken);
            await using var clientLifetime = client;
            return await LatencyRun.RunAsync(Group, store, client ?? store, options, count, cancellationToken);
        }
        finally
        {
            await OnPhaseAsync(RunPhase.Disposed, count);
        }
    }

    public async Task<ScenarioResult> RunAsync(BenchmarkOptions options, int count, CancellationToken cancellationToken)
    {
        try
        {
            return await RunOnceAsync(options, count, cancellationToken);
        }
        finally
        {
            await OnPhaseAsync(RunPhase.Disposed, count);
        }
    }

    private async Task<ScenarioResult> RunOnceAsync(BenchmarkOptions options, int count, CancellationToken cancellationToken)
    {
        var counter = new JobCounter();
        var store = await CreateStoreAsync(cancellationToken);
        await using var storeLifetime = store;
        var executor = new Executor(store, o =>
        {
            o.Parallelism = options.Workers;
            o.ClaimBatchSize = options.ClaimBatch;
            o.ApplyBatchSize = options.ApplyBatch;
        });
        await using var executorLifetime = executor;
        executor.Handle(CommandName, (_, _) =>
        {
            counter.Increment();
            return ValueTask.FromResult(CommandResult.Empty);
        });

        // Enqueue: nothing runs yet, so this is the client + store insert path alone.
        var clock = Stopwatch.StartNew();
        var chunk = new List<CommandSpec>(Math.Min(options.Chunk, count));
        for (var added = 0; added < count;)
        {
            var size = Math.Min(options.Chunk, count - added);
            chunk.Clear();
            for (var i = 0; i < size; i++)
            {
                chunk.Add(new CommandSpec(CommandName));
            }

            await executor.AddManyAsync(chunk, cancellationToken);
            added += size;
        }

        var enqueue = clock.Elapsed;
        await OnPhaseAsync(RunPhase.Enqueued, count);

        // Drain: from StartAsync until the executor reports idle (startup included).
        using var drainLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drainLimit.CancelAfter(options.Timeout);
        using var progressStop = new CancellationTokenSource();
        var progress = options.Progress ? counter.ReportProgressAsync(Name, count, progressStop.Token) : Task.CompletedTask;
        var timedOut = false;
        clock.Restart();
        await executor.StartAsync(cancellationToken);
        try
        {
            await executor.WaitForIdleAsync(drainLimit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            timedOut = true;
        }

        var drain = clock.Elapsed;
        var executed = counter.Value;
        await progressStop.CancelAsync();
        await progress;

        clock.Restart();
        await executor.StopAsync(CancellationToken.None);
        var shutdown = clock.Elapsed;
        await OnPhaseAsync(RunPhase.Stopped, count);

        // Cross-check the handler count with the store's own bookkeeping.
        var statistics = await store.GetStatisticsAsync(new() { Now = DateTimeOffset.UtcNow }, CancellationToken.None);
        var completed = statistics.Counts[CommandStatus.Completed];
        var problem = completed == count || timedOut
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"the store reports {completed:N0} completed of {count:N0}");

        return new ScenarioResult(Name, Group, System, count, options.Workers, enqueue, drain, executed, shutdown, problem)
        {
            TimedOut = timedOut,
        };
    }
}

internal enum RunPhase
{
    Enqueued,
    Stopped,
    Disposed,
}
