namespace Durex;

/// <summary>The lifecycle state of a persisted command.</summary>
/// <remarks>
/// Active states are <see cref="Pending"/>, <see cref="Waiting"/>, <see cref="Started"/> and <see cref="Repeating"/>;
/// every other state is terminal. A unique key is held only while a command is active.
/// </remarks>
public enum CommandStatus
{
    /// <summary>Waiting to run, immediately or once its ready time has come.</summary>
    Pending = 0,

    /// <summary>A fan-in continuation waiting for the commands it was spawned with.</summary>
    Waiting = 1,

    /// <summary>Claimed by a worker and running under a lease.</summary>
    Started = 2,

    /// <summary>A repeating command between two runs.</summary>
    Repeating = 3,

    /// <summary>Finished successfully.</summary>
    Completed = 4,

    /// <summary>Failed for good: retries exhausted, or a failure that retrying cannot fix.</summary>
    Failed = 5,

    /// <summary>Its deadline passed before an attempt could start.</summary>
    Expired = 6,

    /// <summary>Cancelled by id or by tag. A cancelled command never runs again.</summary>
    Cancelled = 7,

    /// <summary>Failed for good with the dead-letter queue enabled; kept until replayed or purged.</summary>
    DeadLetter = 8,
}

/// <summary>Helpers for <see cref="CommandStatus"/>.</summary>
public static class CommandStatusExtensions
{
    /// <summary>True for states a command can still leave on its own (pending, waiting, started, repeating).</summary>
    public static bool IsActive(this CommandStatus status) =>
        status is CommandStatus.Pending or CommandStatus.Waiting or CommandStatus.Started or CommandStatus.Repeating;

    /// <summary>True for final states (completed, failed, expired, cancelled, dead letter).</summary>
    public static bool IsTerminal(this CommandStatus status) => !status.IsActive();

    /// <summary>The wire name used by stores, the dashboard and the CLI (e.g. <c>DEAD_LETTER</c>).</summary>
    public static string ToWireName(this CommandStatus status) => status switch
    {
        CommandStatus.Pending => "PENDING",
        CommandStatus.Waiting => "WAITING",
        CommandStatus.Started => "STARTED",
        CommandStatus.Repeating => "REPEATING",
        CommandStatus.Completed => "COMPLETED",
        CommandStatus.Failed => "FAILED",
        CommandStatus.Expired => "EXPIRED",
        CommandStatus.Cancelled => "CANCELLED",
        CommandStatus.DeadLetter => "DEAD_LETTER",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown command status."),
    };

    /// <summary>Parses a wire name or enum name, case-insensitively (<c>dead_letter</c>, <c>DeadLetter</c>, <c>failed</c>).</summary>
    public static bool TryParse(string? text, out CommandStatus status)
    {
        status = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var normalized = text.Trim().Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        foreach (var candidate in Enum.GetValues<CommandStatus>())
        {
            if (string.Equals(candidate.ToString(), normalized, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        return false;
    }
}
