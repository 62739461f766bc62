namespace Durex;

/// <summary>A persisted command as a store returns it: an immutable snapshot of its row.</summary>
/// <remarks>
/// Optional policies (<see cref="Retries"/>, <see cref="Timeout"/>, <see cref="Period"/>, <see cref="Cron"/>,
/// <see cref="DeadlineAt"/>) hold only what the spec asked for explicitly; the executor that runs the command fills the
/// rest from the handler's and its own defaults. That keeps a client process that has no handlers honest.
/// </remarks>
public sealed class CommandInstance
{
    private static readonly IReadOnlyList<string> NoStrings = Array.Empty<string>();
    private CommandData? _data;

    /// <summary>Time-ordered unique id (a monotonic version 7 GUID, see <see cref="CommandIds"/>).</summary>
    public required Guid Id { get; init; }

    /// <summary>Handler name.</summary>
    public required string Name { get; init; }

    /// <summary>Current state.</summary>
    public CommandStatus Status { get; init; }

    /// <summary>Payload as UTF-8 JSON (empty for an empty payload).</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>Read-only view of <see cref="Payload"/>.</summary>
    public CommandData Data => _data ??= CommandData.ReadOnlyView(Payload);

    /// <summary>Attempts claimed in the current run (1 while the first attempt runs; reset by a repeat or a replay).</summary>
    public int Attempt { get; init; }

    /// <summary>Retries asked for by the spec; <see langword="null"/> means "use the handler's or executor's default".</summary>
    public int? Retries { get; init; }

    /// <summary>Handler names still to run after this command (see <see cref="CommandContext.ContinueSequence"/>).</summary>
    public IReadOnlyList<string> Sequence { get; init; } = NoStrings;

    /// <summary>The command whose result created this one.</summary>
    public Guid? ParentId { get; init; }

    /// <summary>Higher runs first.</summary>
    public int Priority { get; init; }

    /// <summary>Labels.</summary>
    public IReadOnlyList<string> Tags { get; init; } = NoStrings;

    /// <summary>Deduplication key, held while the command is active.</summary>
    public string? UniqueKey { get; init; }

    /// <summary>
    /// Trace id shared with descendants: the one the spec gave, else the parent's, else the W3C trace id of the span
    /// that was current when it was enqueued (the Go library's TraceID).
    /// </summary>
    public string? TraceId { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the span that enqueued it (or of the attempt that spawned it): each attempt's span is
    /// a child of it, in whichever process the attempt runs. Null when no span was current.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>Correlation id shared by a whole workflow (the root's id unless given).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>When it was enqueued.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Earliest time the next attempt may start.</summary>
    public DateTimeOffset ReadyAt { get; init; }

    /// <summary>When the current or last attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it reached a terminal state.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Explicit deadline: no attempt starts after it.</summary>
    public DateTimeOffset? DeadlineAt { get; init; }

    /// <summary>Explicit per-attempt timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Explicit repeat interval.</summary>
    public TimeSpan? Period { get; init; }

    /// <summary>Explicit cron expression for repeats.</summary>
    public string? Cron { get; init; }

    /// <summary>Time zone of <see cref="Cron"/>; UTC when null.</summary>
    public string? CronTimeZone { get; init; }

    /// <summary>Message of the last failure (cleared by success).</summary>
    public string? Error { get; init; }

    /// <summary>Executor instance holding the lease while <see cref="CommandStatus.Started"/>.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>Fencing token of the current claim: outcomes of an older claim are rejected.</summary>
    public Guid? LeaseId { get; init; }

    /// <summary>When the lease runs out unless renewed; after that the command is rescued.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>For a command spawned by <c>SpawnThen</c>: the continuation waiting for it.</summary>
    public Guid? AwaitedBy { get; init; }

    /// <summary>For a fan-in continuation: how many commands it was spawned with (0 for other commands).</summary>
    public int FanInTotal { get; init; }

    /// <summary>For a fan-in continuation: how many of them have not completed yet.</summary>
    public int FanInPending { get; init; }

    /// <summary>For a fan-in continuation: a child ended unsuccessfully, so the continuation fails instead of running.</summary>
    public bool FanInFailed { get; init; }

    /// <summary>
    /// Set by a store when the row holds values it cannot decode (written outside Durex: an unknown status, a list column
    /// that is not a JSON array, a time out of range, …): says which columns and why. The other properties then hold what
    /// could be read and defaults for the rest (an unknown status reads as <see cref="CommandStatus.Failed"/>). Such a
    /// command is never run: the executor that claims it fails it at once with this message (a dead letter with the
    /// dead-letter queue on), so one bad row neither stops the claim loop nor runs a handler on guessed values.
    /// </summary>
    public string? ReadError { get; init; }

    /// <summary>True when the command's state can still change on its own.</summary>
    public bool IsActive => Status.IsActive();

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Id} {Status.ToWireName()} attempt {Attempt}";
}
