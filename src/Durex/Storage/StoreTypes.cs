namespace Durex.Storage;

/// <summary>What a claimer asks for.</summary>
public sealed record ClaimRequest
{
    /// <summary>Identifies the claiming executor instance (recorded as the lease owner).</summary>
    public required string Owner { get; init; }

    /// <summary>Maximum number of commands to claim (at least 1).</summary>
    public required int Limit { get; init; }

    /// <summary>The claimer's current time: commands ready at or before it are eligible.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>When the new leases run out unless renewed.</summary>
    public required DateTimeOffset LeaseExpiresAt { get; init; }

    /// <summary>Handler names the claimer can run; other commands are left for other executors.</summary>
    public required IReadOnlyCollection<string> Names { get; init; }

    /// <summary>For concurrency-limited names: how many more of each may be claimed now (0 excludes the name).</summary>
    public IReadOnlyDictionary<string, int>? NameLimits { get; init; }
}

/// <summary>Identifies a lease: a command and the claim that holds it.</summary>
/// <param name="CommandId">The command.</param>
/// <param name="LeaseId">The claim's fencing token.</param>
public readonly record struct LeaseRef(Guid CommandId, Guid LeaseId);

/// <summary>The result of one attempt (or of handling a claimed command without running it), to be applied by the store.</summary>
public sealed class CommandOutcome
{
    private static readonly IReadOnlyList<HistoryEvent> NoEvents = Array.Empty<HistoryEvent>();
    private static readonly IReadOnlyList<CommandInstance> NoCommands = Array.Empty<CommandInstance>();

    /// <summary>The command.</summary>
    public required Guid CommandId { get; init; }

    /// <summary>The lease the attempt ran under; the outcome is rejected if it is no longer current.</summary>
    public required Guid LeaseId { get; init; }

    /// <summary>
    /// New state: <see cref="CommandStatus.Pending"/> (retry or interrupted), <see cref="CommandStatus.Repeating"/>, or a
    /// terminal state.
    /// </summary>
    public required CommandStatus Status { get; init; }

    /// <summary>Attempt count to store (unchanged normally, 0 after a repeat, one less after an interrupted attempt).</summary>
    public required int Attempt { get; init; }

    /// <summary>Next ready time, for pending and repeating outcomes.</summary>
    public DateTimeOffset ReadyAt { get; init; }

    /// <summary>When the command reached its terminal state.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The failure message to store, or <see langword="null"/> to clear it.</summary>
    public string? Error { get; init; }

    /// <summary>The new payload, or <see langword="null"/> when the attempt did not change it.</summary>
    public ReadOnlyMemory<byte>? Payload { get; init; }

    /// <summary>History events to append.</summary>
    public IReadOnlyList<HistoryEvent> Events { get; init; } = NoEvents;

    /// <summary>New commands to insert (children, continuations, compensation).</summary>
    public IReadOnlyList<CommandInstance> NewCommands { get; init; } = NoCommands;
}

/// <summary>What <see cref="ICommandStore.ApplyAsync"/> did not apply.</summary>
/// <param name="Rejected">Outcomes whose lease was no longer current.</param>
/// <param name="SkippedDuplicates">New commands not inserted because their unique key was held by an active command.</param>
public sealed record ApplyResult(IReadOnlyList<Guid> Rejected, IReadOnlyList<Guid> SkippedDuplicates)
{
    /// <summary>Everything applied.</summary>
    public static ApplyResult AllApplied { get; } = new(Array.Empty<Guid>(), Array.Empty<Guid>());
}

/// <summary>Which terminal commands to delete.</summary>
public sealed record PurgeRequest
{
    /// <summary>Terminal statuses to delete (active statuses are ignored).</summary>
    public required IReadOnlyCollection<CommandStatus> Statuses { get; init; }

    /// <summary>Only commands that reached their terminal state before this instant.</summary>
    public required DateTimeOffset CompletedBefore { get; init; }

    /// <summary>Upper bound of rows deleted by one call (keeps transactions short); null for no bound.</summary>
    public int? Limit { get; init; }
}

/// <summary>Input of <see cref="ICommandStore.GetStatisticsAsync"/>.</summary>
public sealed record StatisticsRequest
{
    /// <summary>The caller's current time (defines "ready").</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Names to count ready commands for (the concurrency-limited ones: their "waiting" figure).</summary>
    public IReadOnlyCollection<string> ReadyCountNames { get; init; } = Array.Empty<string>();
}

/// <summary>A snapshot of the store's counts.</summary>
public sealed record StoreStatistics
{
    /// <summary>Commands per status (every status is present, zero included).</summary>
    public required IReadOnlyDictionary<CommandStatus, long> Counts { get; init; }

    /// <summary>Pending or repeating commands whose ready time has come (the queue depth).</summary>
    public required long Ready { get; init; }

    /// <summary>Ready time of the longest-waiting ready command.</summary>
    public DateTimeOffset? OldestReadyAt { get; init; }

    /// <summary>Ready commands per requested name.</summary>
    public IReadOnlyDictionary<string, long> ReadyByName { get; init; } = new Dictionary<string, long>();

    /// <summary>Total number of commands.</summary>
    public long Total => Counts.Values.Sum();
}
