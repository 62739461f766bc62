namespace Durex.Storage;

/// <summary>Shared fan-in wording, so every store reports a failed fan-in the same way.</summary>
public static class FanIn
{
    /// <summary>The error a continuation gets when one of its children ended unsuccessfully.</summary>
    public static string FailureMessage(Guid childId, string childName, CommandStatus childStatus, string? childError) =>
        $"Fan-in failed: child {childName} ({childId}) ended {childStatus.ToWireName()}" +
        (string.IsNullOrEmpty(childError) ? "." : $": {childError}");
}
