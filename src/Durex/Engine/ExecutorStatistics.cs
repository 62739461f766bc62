namespace Durex;

/// <summary>A snapshot of an executor and its store, for dashboards, health checks and metrics.</summary>
public sealed record ExecutorStatistics
{
    /// <summary>Commands per status in the store (every status present).</summary>
    public required IReadOnlyDictionary<CommandStatus, long> Counts { get; init; }

    /// <summary>Commands ready to run now and not claimed (the queue depth).</summary>
    public required long QueueDepth { get; init; }

    /// <summary>How long the longest-waiting ready command has been ready.</summary>
    public TimeSpan? OldestReadyAge { get; init; }

    /// <summary>Commands started in the store, by any executor.</summary>
    public long Running => Counts[CommandStatus.Started];

    /// <summary>Commands this executor holds (claimed, running or being completed).</summary>
    public int HeldHere { get; init; }

    /// <summary>Worker count.</summary>
    public int Workers { get; init; }

    /// <summary>Registered handler count.</summary>
    public int Handlers { get; init; }

    /// <summary>True while the executor runs.</summary>
    public bool IsRunning { get; init; }

    /// <summary>The global concurrency limit's utilisation, when one is set.</summary>
    public ConcurrencyStatistics? GlobalLimit { get; init; }

    /// <summary>Per-name concurrency limits: limit, current and waiting (ready commands held back).</summary>
    public IReadOnlyDictionary<string, ConcurrencyStatistics> Limits { get; init; } = new Dictionary<string, ConcurrencyStatistics>();
}

/// <summary>Utilisation of one concurrency limit.</summary>
/// <param name="Limit">Most commands at once.</param>
/// <param name="Current">Commands holding a permit now (claimed or running).</param>
/// <param name="Waiting">Ready commands of that name waiting in the store.</param>
public sealed record ConcurrencyStatistics(int Limit, int Current, long Waiting);
