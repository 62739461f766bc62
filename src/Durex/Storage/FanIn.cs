namespace Durex.Storage;

/// <summary>Shared fan-in wording, so every store reports a failed fan-in the same way.</summary>
public static class FanIn
{
    /// <summary>The error a continuation gets when one of its children ended unsuccessfully.</summary>
    public static string FailureMessage(Guid childId, string childName, CommandStatus childStatus, string? childError) =>
        $"Fan-in failed: child {childName} ({childId}) ended {childStatus.ToWireName()}" +
        (string.IsNullOrEmpty(childError) ? "." : $": {childError}");
}

/// <summary>Shared wording of cancellation events.</summary>
public static class CancelMessage
{
    /// <summary>The message of a <see cref="HistoryEventType.Cancelled"/> event.</summary>
    public static string For(string? reason, bool wasRunning, int attempt) =>
        (string.IsNullOrWhiteSpace(reason) ? "Cancelled." : reason) +
        (wasRunning ? $" Attempt {attempt} was running; its handler was told to stop." : "");
}
