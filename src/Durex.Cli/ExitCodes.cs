namespace Durex.Cli;

/// <summary>The exit codes of the <c>durex</c> tool, which scripts can rely on (docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected error (a bug, or a failure the tool has no better code for).</summary>
    public const int Error = 1;

    /// <summary>Bad arguments: unknown option, malformed id, status, duration or cursor, no store or two stores.</summary>
    public const int Usage = 2;

    /// <summary>No command has the given id.</summary>
    public const int NotFound = 3;

    /// <summary>The command's state forbids the action (retry of a completed command, cancel of a finished one, …).</summary>
    public const int InvalidState = 4;

    /// <summary>The store cannot be reached or used: server down, file missing or not a database, no Durex schema.</summary>
    public const int StoreUnavailable = 5;

    /// <summary>Interrupted by Ctrl+C or SIGTERM before the command finished (the shell convention, 128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
