using Microsoft.Extensions.Logging;

namespace Durex.Internal;

/// <summary>Source-generated log messages (no allocation when the level is off). Nothing is logged per successful attempt at Information.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Executor {Instance} started with {Parallelism} workers and {Handlers} handlers.")]
    public static partial void Started(ILogger logger, string instance, int parallelism, int handlers);

    [LoggerMessage(2, LogLevel.Information, "Executor {Instance} stopped.")]
    public static partial void Stopped(ILogger logger, string instance);

    [LoggerMessage(3, LogLevel.Warning, "Shutdown timeout of {Timeout} reached: cancelling {Running} running attempts.")]
    public static partial void ShutdownTimedOut(ILogger logger, TimeSpan timeout, int running);

    [LoggerMessage(10, LogLevel.Debug, "Command {Name} {CommandId} attempt {Attempt} completed in {Duration}.")]
    public static partial void AttemptSucceeded(ILogger logger, string name, Guid commandId, int attempt, TimeSpan duration);

    [LoggerMessage(11, LogLevel.Warning, "Command {Name} {CommandId} attempt {Attempt} failed; retrying at {RetryAt}.")]
    public static partial void AttemptFailedWillRetry(ILogger logger, Exception exception, string name, Guid commandId, int attempt, DateTimeOffset retryAt);

    [LoggerMessage(12, LogLevel.Error, "Command {Name} {CommandId} failed for good after attempt {Attempt}: {Error}")]
    public static partial void CommandFailed(ILogger logger, Exception exception, string name, Guid commandId, int attempt, string error);

    [LoggerMessage(13, LogLevel.Warning, "Command {Name} {CommandId} expired: its deadline {Deadline} passed before attempt {Attempt} could start.")]
    public static partial void CommandExpired(ILogger logger, string name, Guid commandId, DateTimeOffset deadline, int attempt);

    [LoggerMessage(14, LogLevel.Error, "The {Hook} hook of {Name} {CommandId} threw; its follow-up commands were not enqueued.")]
    public static partial void HookFailed(ILogger logger, Exception exception, string hook, string name, Guid commandId);

    [LoggerMessage(15, LogLevel.Error, "The global error handler threw for {Name} {CommandId}.")]
    public static partial void ErrorHandlerFailed(ILogger logger, Exception exception, string name, Guid commandId);

    [LoggerMessage(16, LogLevel.Warning, "No handler named '{Name}' is registered in this executor; the command waits until an executor that handles it runs.")]
    public static partial void NoLocalHandler(ILogger logger, string name);

    [LoggerMessage(20, LogLevel.Error, "Claiming commands failed; retrying in {Delay}.")]
    public static partial void ClaimFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(21, LogLevel.Error, "Applying {Count} outcomes failed; retrying in {Delay}. The commands stay leased until it succeeds.")]
    public static partial void ApplyFailed(ILogger logger, Exception exception, int count, TimeSpan delay);

    [LoggerMessage(22, LogLevel.Debug, "{Count} outcomes were rejected: their commands were cancelled or rescued while running.")]
    public static partial void OutcomesRejected(ILogger logger, int count);

    [LoggerMessage(23, LogLevel.Information, "{Count} spawned commands were skipped: their unique key is held by an active command.")]
    public static partial void DuplicatesSkipped(ILogger logger, int count);

    [LoggerMessage(24, LogLevel.Warning, "Lease maintenance failed; retrying at the next tick.")]
    public static partial void LeaseMaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(25, LogLevel.Warning, "Rescued {Count} commands whose lease expired (their worker stopped renewing it).")]
    public static partial void Rescued(ILogger logger, int count);

    [LoggerMessage(26, LogLevel.Warning, "Lost the lease of {Count} running commands (cancelled or rescued elsewhere); cancelling their handlers.")]
    public static partial void LeasesLost(ILogger logger, int count);

    [LoggerMessage(27, LogLevel.Error, "Abandoned {Count} outcomes at shutdown; their leases will expire and the commands will be rescued.")]
    public static partial void OutcomesAbandoned(ILogger logger, int count);

    [LoggerMessage(28, LogLevel.Information, "Retention deleted {Count} terminal commands.")]
    public static partial void RetentionPurged(ILogger logger, int count);

    [LoggerMessage(29, LogLevel.Warning, "Retention cleanup failed; retrying at the next interval.")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(30, LogLevel.Error, "Enqueueing permanent command '{Name}' failed.")]
    public static partial void PermanentCommandFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(32, LogLevel.Warning, "Reading statistics for the metrics failed; the gauges keep their last values until the next try.")]
    public static partial void StatisticsFailed(ILogger logger, Exception exception);

    [LoggerMessage(31, LogLevel.Critical, "Internal error while running {Name} {CommandId}; the command was returned to pending.")]
    public static partial void EngineError(ILogger logger, Exception exception, string name, Guid commandId);

    [LoggerMessage(33, LogLevel.Warning, "Reading the history of {Name} {CommandId} to count attempts lost with a dead executor failed; it is claimed again in a few seconds.")]
    public static partial void LostAttemptsUnknown(ILogger logger, Exception exception, string name, Guid commandId);
}
