namespace Durex.Diagnostics;

/// <summary>
/// Names of Durex's <see cref="System.Diagnostics.ActivitySource"/>, <see cref="System.Diagnostics.Metrics.Meter"/>,
/// instruments and tags, for OpenTelemetry setup (<c>AddSource(DurexDiagnostics.ActivitySourceName)</c>,
/// <c>AddMeter(DurexDiagnostics.MeterName)</c>) and for exporters. See docs/observability.md.
/// </summary>
public static class DurexDiagnostics
{
    /// <summary>The activity source: a span per enqueue (producer) and per attempt (consumer).</summary>
    public const string ActivitySourceName = "Durex";

    /// <summary>The meter every executor's instruments belong to.</summary>
    public const string MeterName = "Durex";

    /// <summary>Counter: attempts whose handler was invoked. Tag <see cref="CommandTag"/>.</summary>
    public const string CommandsStarted = "durex.commands.started";

    /// <summary>Counter: attempts whose handler succeeded (including repeats). Tag <see cref="CommandTag"/>.</summary>
    public const string CommandsCompleted = "durex.commands.completed";

    /// <summary>
    /// Counter: attempts that failed — an exception, a timeout, an invalid result — whether or not a retry follows; also
    /// commands failed without running (retry budget used up by lost workers, failed fan-in). Tag <see cref="CommandTag"/>.
    /// </summary>
    public const string CommandsFailed = "durex.commands.failed";

    /// <summary>Counter: attempts followed by a retry (after a failure or a <c>Retry</c> result). Tag <see cref="CommandTag"/>.</summary>
    public const string CommandsRetried = "durex.commands.retried";

    /// <summary>Counter: commands whose deadline passed before an attempt could start. Tag <see cref="CommandTag"/>.</summary>
    public const string CommandsExpired = "durex.commands.expired";

    /// <summary>Histogram (seconds): duration of every attempt that ran. Tags <see cref="CommandTag"/>, <see cref="OutcomeTag"/>.</summary>
    public const string CommandDuration = "durex.command.duration";

    /// <summary>Histogram (seconds): from the moment a command was ready to the start of its attempt. Tag <see cref="CommandTag"/>.</summary>
    public const string CommandWait = "durex.command.wait";

    /// <summary>Histogram (seconds): duration of one claim round trip to the store.</summary>
    public const string ClaimDuration = "durex.claim.duration";

    /// <summary>Counter: commands rescued from executors that stopped renewing their lease.</summary>
    public const string LeasesRescued = "durex.leases.rescued";

    /// <summary>Observable gauge: attempts running in this executor now.</summary>
    public const string CommandsRunning = "durex.commands.running";

    /// <summary>Observable gauge: commands ready to run and not claimed, in the store (from the latest statistics).</summary>
    public const string QueueSize = "durex.queue.size";

    /// <summary>Observable gauge (seconds): how long the oldest ready command has waited (from the latest statistics).</summary>
    public const string QueueOldestAge = "durex.queue.oldest_age";

    /// <summary>Observable gauge: dead-lettered commands in the store (from the latest statistics).</summary>
    public const string DeadLetters = "durex.dead_letters";

    /// <summary>Observable gauge: commands in the store per status (tag <see cref="StatusTag"/>, from the latest statistics).</summary>
    public const string Commands = "durex.commands";

    /// <summary>Tag: the command name.</summary>
    public const string CommandTag = "durex.command";

    /// <summary>Tag: how an attempt ended: completed, repeating, retrying, failed, cancelled, interrupted.</summary>
    public const string OutcomeTag = "durex.outcome";

    /// <summary>Tag: a command status in wire form (PENDING, STARTED, DEAD_LETTER…).</summary>
    public const string StatusTag = "durex.status";
}
