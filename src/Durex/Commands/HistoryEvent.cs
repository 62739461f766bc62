namespace Durex;

/// <summary>Kinds of history events.</summary>
public enum HistoryEventType
{
    /// <summary>The command was enqueued.</summary>
    Created = 0,

    /// <summary>An attempt started.</summary>
    Started = 1,

    /// <summary>The command finished successfully.</summary>
    Completed = 2,

    /// <summary>The command failed for good (possibly into the dead-letter queue).</summary>
    Failed = 3,

    /// <summary>An attempt failed or asked for a retry; another attempt is scheduled.</summary>
    Retrying = 4,

    /// <summary>The deadline passed before an attempt could start.</summary>
    Expired = 5,

    /// <summary>The command was cancelled.</summary>
    Cancelled = 6,

    /// <summary>A repeating command finished a run and was rescheduled.</summary>
    Repeating = 7,

    /// <summary>The lease of a running command ran out (its worker died) and it was rescued to pending.</summary>
    Recovered = 8,

    /// <summary>A dead-lettered or failed command was sent back to pending by an operator.</summary>
    Replayed = 9,

    /// <summary>A graceful shutdown interrupted the attempt; the command is pending again.</summary>
    Interrupted = 10,
}

/// <summary>One entry of a command's persisted history.</summary>
/// <param name="CommandId">The command.</param>
/// <param name="Type">What happened.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Attempt">The attempt it belongs to (0 before the first).</param>
/// <param name="Error">Failure details, when it is about a failure.</param>
/// <param name="Duration">How long the attempt ran, for attempt-ending events.</param>
/// <param name="Message">Human-readable details.</param>
public sealed record HistoryEvent(
    Guid CommandId,
    HistoryEventType Type,
    DateTimeOffset Timestamp,
    int Attempt,
    string? Error = null,
    TimeSpan? Duration = null,
    string? Message = null);

/// <summary>Helpers for <see cref="HistoryEventType"/>.</summary>
public static class HistoryEventTypeExtensions
{
    /// <summary>The lower-case wire name used by stores and the dashboard (e.g. <c>retrying</c>).</summary>
    public static string ToWireName(this HistoryEventType type) => type switch
    {
        HistoryEventType.Created => "created",
        HistoryEventType.Started => "started",
        HistoryEventType.Completed => "completed",
        HistoryEventType.Failed => "failed",
        HistoryEventType.Retrying => "retrying",
        HistoryEventType.Expired => "expired",
        HistoryEventType.Cancelled => "cancelled",
        HistoryEventType.Repeating => "repeating",
        HistoryEventType.Recovered => "recovered",
        HistoryEventType.Replayed => "replayed",
        HistoryEventType.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown history event type."),
    };

    /// <summary>Parses a wire name (case-insensitive).</summary>
    public static bool TryParse(string? text, out HistoryEventType type)
    {
        foreach (var candidate in Enum.GetValues<HistoryEventType>())
        {
            if (string.Equals(candidate.ToWireName(), text, StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}
