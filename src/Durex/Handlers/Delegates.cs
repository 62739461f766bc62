namespace Durex;

/// <summary>Runs one attempt of a command.</summary>
public delegate ValueTask<CommandResult> CommandHandler(CommandContext context, CancellationToken cancellationToken);

/// <summary>Runs one attempt of a command whose payload is read as <typeparamref name="T"/>.</summary>
public delegate ValueTask<CommandResult> CommandHandler<in T>(T data, CommandContext context, CancellationToken cancellationToken);

/// <summary>
/// Saga compensation: runs once when a command has failed for good (retries exhausted, or a fan-in child failed).
/// The commands its result spawns are enqueued atomically with the failure and inherit trace and correlation ids.
/// </summary>
public delegate ValueTask<CommandResult> RecoverHandler(CommandContext context, Exception error, CancellationToken cancellationToken);

/// <summary>Runs when a command's deadline passed before an attempt could start; the commands its result spawns are enqueued.</summary>
public delegate ValueTask<CommandResult> ExpiredHandler(CommandContext context, CancellationToken cancellationToken);

/// <summary>
/// Wraps every attempt. Call <paramref name="next"/> to continue the chain, or return a result without calling it to
/// short-circuit. The first middleware registered is the outermost.
/// </summary>
public delegate ValueTask<CommandResult> CommandMiddleware(CommandContext context, Func<ValueTask<CommandResult>> next);

/// <summary>Called after a command failed for good (not for attempts that will be retried).</summary>
public delegate void CommandErrorHandler(CommandInstance command, Exception error);

/// <summary>A command implemented as a class (use it when the handler needs dependencies).</summary>
public interface ICommandHandler
{
    /// <summary>The name commands are enqueued under.</summary>
    string Name { get; }

    /// <summary>Runs one attempt.</summary>
    ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken);

    /// <summary>Sets this command's defaults (retries, timeout, period…); the spec's explicit values win.</summary>
    void Configure(CommandOptions options)
    {
    }
}

/// <summary>A class command with a saga compensation hook (see <see cref="RecoverHandler"/>).</summary>
public interface IRecoverableCommand
{
    /// <summary>Runs once when the command failed for good.</summary>
    ValueTask<CommandResult> RecoverAsync(CommandContext context, Exception error, CancellationToken cancellationToken);
}

/// <summary>A class command with a deadline-expiry hook (see <see cref="ExpiredHandler"/>).</summary>
public interface IExpirableCommand
{
    /// <summary>Runs when the deadline passed before an attempt could start.</summary>
    ValueTask<CommandResult> ExpiredAsync(CommandContext context, CancellationToken cancellationToken);
}
