using System.Collections.Concurrent;
using System.Threading.Channels;
using Durex.Diagnostics;
using Durex.Internal;
using Durex.Storage;
using Microsoft.Extensions.Logging;

namespace Durex.Engine;

/// <summary>A claimed command from the moment the producer claims it until the completer has applied its outcome.</summary>
internal sealed class InflightCommand(CommandInstance command)
{
    public CommandInstance Command { get; } = command;

    public LeaseRef Lease { get; } = new(command.Id, command.LeaseId!.Value);

    /// <summary>Set when the command was cancelled (or its lease lost) before or while it ran.</summary>
    public volatile bool Cancelled;

    /// <summary>The worker running it, while it runs.</summary>
    public volatile Worker? RunningOn;

    /// <summary>Concurrency-limit permits held from claim to the end of the attempt.</summary>
    public ConcurrencyLimits.Permit? Permit;

    /// <summary>The attempt's span, while it runs and someone listens.</summary>
    public System.Diagnostics.Activity? Span;
}

/// <summary>Everything one run of the executor (StartAsync → StopAsync) shares: channels, in-flight set, signals.</summary>
/// <remarks>
/// The flow is River's: the <see cref="Producer"/> claims batches into <see cref="Work"/>, <see cref="Worker"/>s run
/// them and write outcomes to <see cref="Outcomes"/>, the <see cref="Completer"/> applies outcomes in batches, and the
/// <see cref="LeaseKeeper"/> renews leases and rescues those of dead executors.
/// </remarks>
internal sealed class Pipeline : IStoreObserver
{
    private readonly ConcurrentDictionary<LeaseRef, InflightCommand> _inflight = new();
    private readonly Lock _idleGate = new();
    private readonly List<(long Version, TaskCompletionSource Done)> _idleWaiters = [];
    private readonly ConcurrentDictionary<Guid, long> _recentCancels = new();
    private int _inflightCount;
    private int _runningCount;
    private long _claimEpoch;

    public Pipeline(ExecutorContext context)
    {
        Context = context;
        Work = Channel.CreateUnbounded<InflightCommand>(new UnboundedChannelOptions { SingleWriter = true });
        Outcomes = Channel.CreateUnbounded<CommandOutcome>(new UnboundedChannelOptions { SingleReader = true });
    }

    public ExecutorContext Context { get; }

    /// <summary>Concurrency limits, or null when none is configured.</summary>
    public ConcurrencyLimits? Limits { get; init; }

    public Channel<InflightCommand> Work { get; }

    public Channel<CommandOutcome> Outcomes { get; }

    public WakeSignal Wake { get; } = new();

    /// <summary>Cancelled when the executor stops claiming (start of a graceful shutdown).</summary>
    public CancellationTokenSource Stopping { get; } = new();

    /// <summary>Cancelled when running handlers must stop (shutdown timeout reached).</summary>
    public CancellationTokenSource HardStop { get; } = new();

    /// <summary>Cancelled when the run is over (lease keeper stops, outcomes still failing to apply are abandoned).</summary>
    public CancellationTokenSource Finished { get; } = new();

    public int InflightCount => Volatile.Read(ref _inflightCount);

    /// <summary>Attempts whose handler runs now (the running gauge).</summary>
    public int RunningCount => Volatile.Read(ref _runningCount);

    public void AttemptStarted() => Interlocked.Increment(ref _runningCount);

    public void AttemptEnded() => Interlocked.Decrement(ref _runningCount);

    public bool IsStopping => Stopping.IsCancellationRequested;

    public ICollection<InflightCommand> InflightCommands => _inflight.Values; // a snapshot

    // Keyed by (command, lease), not command id: a command retried at once can be claimed again (new lease) before the
    // completer has untracked its previous claim. A store may use one lease id for a whole claimed batch.
    public void Track(InflightCommand item)
    {
        if (_inflight.TryAdd(item.Lease, item))
        {
            Interlocked.Increment(ref _inflightCount);
        }
    }

    public void Untrack(LeaseRef lease)
    {
        if (_inflight.TryRemove(lease, out _))
        {
            Interlocked.Decrement(ref _inflightCount);
        }
    }

    public bool IsRunning(LeaseRef lease) => _inflight.TryGetValue(lease, out var item) && item.RunningOn is not null;

    /// <summary>Marks the claims holding these leases cancelled and cancels their running handlers.</summary>
    public void CancelLeases(IEnumerable<LeaseRef> leases, CancelReason reason)
    {
        foreach (var lease in leases)
        {
            if (_inflight.TryGetValue(lease, out var item))
            {
                item.Cancelled = true;
                item.RunningOn?.Cancel(item, reason);
            }
        }
    }

    /// <summary>Marks local in-flight commands cancelled and cancels the handlers running them.</summary>
    public void CancelLocal(IReadOnlyCollection<Guid> commandIds, CancelReason reason)
    {
        if (commandIds.Count == 0)
        {
            return;
        }

        // A claim may have returned one of these commands without having tracked it yet: remember the ids for the
        // producer, which checks them after tracking a batch (see ApplyRecentCancels).
        var epoch = Volatile.Read(ref _claimEpoch);
        foreach (var id in commandIds)
        {
            _recentCancels[id] = epoch;
        }

        if (InflightCount == 0)
        {
            return;
        }

        var wanted = commandIds as ISet<Guid> ?? commandIds.ToHashSet();
        foreach (var item in _inflight.Values)
        {
            if (wanted.Contains(item.Command.Id))
            {
                item.Cancelled = true;
                item.RunningOn?.Cancel(item, reason);
            }
        }
    }

    /// <summary>Called by the producer before each claim; returns the claim's epoch.</summary>
    public long BeginClaim() => Interlocked.Increment(ref _claimEpoch);

    /// <summary>
    /// Called by the producer after tracking the batch of the claim started at <paramref name="epoch"/>: marks commands
    /// cancelled between the claim's commit and their tracking. Cancels recorded before that claim began cannot concern
    /// it or any later claim (the store would not have returned those commands), so they are forgotten.
    /// </summary>
    public void ApplyRecentCancels(IReadOnlyList<InflightCommand> batch, long epoch)
    {
        if (_recentCancels.IsEmpty)
        {
            return;
        }

        foreach (var item in batch)
        {
            if (_recentCancels.ContainsKey(item.Command.Id))
            {
                item.Cancelled = true;
            }
        }

        foreach (var (id, recorded) in _recentCancels)
        {
            if (recorded < epoch)
            {
                _recentCancels.TryRemove(id, out _);
            }
        }
    }

    void IStoreObserver.OnWorkAvailable() => Wake.Set();

    void IStoreObserver.OnCancelled(IReadOnlyList<Guid> ids) => CancelLocal(ids, CancelReason.Cancelled);

    /// <summary>Completes when the producer has seen no ready work and nothing is in flight, after this call.</summary>
    public Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_idleGate)
        {
            _idleWaiters.Add((Wake.Set(), done));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Called by the producer when a claim made at <paramref name="version"/> found nothing and nothing is in flight.</summary>
    public void ReportIdle(long version)
    {
        lock (_idleGate)
        {
            for (var i = _idleWaiters.Count - 1; i >= 0; i--)
            {
                if (_idleWaiters[i].Version <= version)
                {
                    _idleWaiters[i].Done.TrySetResult();
                    _idleWaiters.RemoveAt(i);
                }
            }
        }
    }

    public void FailIdleWaiters()
    {
        lock (_idleGate)
        {
            foreach (var (_, done) in _idleWaiters)
            {
                done.TrySetException(new InvalidOperationException("The executor stopped before it became idle."));
            }

            _idleWaiters.Clear();
        }
    }

}

/// <summary>What the pipeline components need from the executor, fixed for one run.</summary>
internal sealed class ExecutorContext
{
    public required ICommandStore Store { get; init; }

    public required ExecutorOptions Options { get; init; }

    public required HandlerRegistry Registry { get; init; }

    public required IReadOnlyDictionary<string, HandlerPlan> Plans { get; init; }

    public required string Owner { get; init; }

    public required EngineLoggers Loggers { get; init; }

    public required ExecutorTelemetry Telemetry { get; init; }

    public required bool DeadLetterQueue { get; init; }

    public TimeProvider Time => Options.TimeProvider;

    public IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)Plans.Keys;
}

/// <summary>A handler with its middleware chain composed once at start.</summary>
internal sealed class HandlerPlan(Registration registration, Func<CommandContext, ValueTask<CommandResult>> invoke)
{
    public Registration Registration { get; } = registration;

    public Func<CommandContext, ValueTask<CommandResult>> Invoke { get; } = invoke;

    public static HandlerPlan Compose(Registration registration, IReadOnlyList<CommandMiddleware> middleware)
    {
        var handler = registration.Execute;
        Func<CommandContext, ValueTask<CommandResult>> invoke = context => handler(context, context.CancellationToken);
        for (var i = middleware.Count - 1; i >= 0; i--)
        {
            var outer = middleware[i];
            var inner = invoke;
            invoke = context => outer(context, () => inner(context));
        }

        return new HandlerPlan(registration, invoke);
    }
}
