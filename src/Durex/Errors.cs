namespace Durex;

/// <summary>Base class of Durex's own exceptions.</summary>
public class DurexException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DurexException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A command with the same unique key is already active.</summary>
public sealed class DuplicateCommandException : DurexException
{
    /// <summary>Creates the exception.</summary>
    public DuplicateCommandException(string uniqueKey, Guid? existingId)
        : base(existingId is { } id
            ? $"A command with unique key '{uniqueKey}' is already active (id {id}). It frees the key when it completes, fails or is cancelled."
            : $"Unique key '{uniqueKey}' is used more than once in the same batch.")
    {
        UniqueKey = uniqueKey;
        ExistingId = existingId;
    }

    /// <summary>The contested key.</summary>
    public string UniqueKey { get; }

    /// <summary>The active command holding it (null when the batch itself repeated the key).</summary>
    public Guid? ExistingId { get; }
}

/// <summary>No command has the given id.</summary>
public sealed class CommandNotFoundException : DurexException
{
    /// <summary>Creates the exception.</summary>
    public CommandNotFoundException(Guid id)
        : base($"Command {id} does not exist (it may have been purged by retention).")
    {
        CommandId = id;
    }

    /// <summary>The id that was asked for.</summary>
    public Guid CommandId { get; }
}

/// <summary>The operation is not allowed in the command's current state (e.g. cancelling a completed command).</summary>
public sealed class InvalidCommandStateException : DurexException
{
    /// <summary>Creates the exception.</summary>
    public InvalidCommandStateException(Guid id, CommandStatus status, string operation)
        : base($"Cannot {operation} command {id}: it is {status.ToWireName()}.")
    {
        CommandId = id;
        Status = status;
    }

    /// <summary>The command.</summary>
    public Guid CommandId { get; }

    /// <summary>Its status when the operation was attempted.</summary>
    public CommandStatus Status { get; }
}

/// <summary>Passed to recover hooks when a fan-in continuation fails because one of its children ended unsuccessfully.</summary>
public sealed class FanInFailedException : DurexException
{
    /// <summary>Creates the exception.</summary>
    public FanInFailedException(string message)
        : base(message)
    {
    }
}

/// <summary>An attempt ran longer than its timeout.</summary>
public sealed class CommandTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public CommandTimeoutException(TimeSpan timeout)
        : base($"The attempt timed out after {timeout}.")
    {
        Timeout = timeout;
    }

    /// <summary>The limit that was exceeded.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>
/// Throw from a handler to fail the command for good, skipping any retries left (retrying cannot fix bad input).
/// The recover hook still runs.
/// </summary>
public sealed class PermanentFailureException : DurexException
{
    /// <summary>Creates the exception.</summary>
    public PermanentFailureException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
