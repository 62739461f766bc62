namespace Durex;

/// <summary>What a handler asks the engine to do after a successful attempt.</summary>
public enum CommandResultKind
{
    /// <summary>Done, nothing follows.</summary>
    Empty = 0,

    /// <summary>Run again after the period, the next cron time or an explicit delay.</summary>
    Repeat = 1,

    /// <summary>This attempt did not finish its work; run another attempt (consumes a retry).</summary>
    Retry = 2,

    /// <summary>Done; enqueue follow-up commands as children (Next, Spawn, ContinueSequence).</summary>
    Spawn = 3,

    /// <summary>Done; enqueue children and a continuation that runs once all of them completed successfully.</summary>
    SpawnThen = 4,
}

/// <summary>The result of a handler. Create one with the static members; <see cref="CommandContext.ContinueSequence"/> makes sequence results.</summary>
public sealed class CommandResult
{
    private static readonly IReadOnlyList<CommandSpec> None = Array.Empty<CommandSpec>();

    private CommandResult(CommandResultKind kind, IReadOnlyList<CommandSpec> commands, CommandSpec? continuation, TimeSpan? repeatAfter)
    {
        Kind = kind;
        Commands = commands;
        Continuation = continuation;
        RepeatAfter = repeatAfter;
    }

    /// <summary>Done, no follow-up.</summary>
    public static CommandResult Empty { get; } = new(CommandResultKind.Empty, None, null, null);

    /// <summary>The kind of result.</summary>
    public CommandResultKind Kind { get; }

    /// <summary>Commands to enqueue as children.</summary>
    public IReadOnlyList<CommandSpec> Commands { get; }

    /// <summary>For <see cref="CommandResultKind.SpawnThen"/>: the fan-in continuation.</summary>
    public CommandSpec? Continuation { get; }

    /// <summary>For <see cref="CommandResultKind.Repeat"/>: an explicit delay before the next run.</summary>
    public TimeSpan? RepeatAfter { get; }

    /// <summary>Run again after the command's cron schedule or period (or the executor's default period).</summary>
    public static CommandResult Repeat() => new(CommandResultKind.Repeat, None, null, null);

    /// <summary>Run again after <paramref name="after"/>, overriding cron and period for this once.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="after"/> is negative.</exception>
    public static CommandResult Repeat(TimeSpan after)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(after, TimeSpan.Zero);
        return new(CommandResultKind.Repeat, None, null, after);
    }

    /// <summary>
    /// This attempt did not finish its work: run another one after the backoff delay. It consumes a retry; when none is
    /// left the command fails for good (so a handler can never loop forever by returning Retry).
    /// </summary>
    public static CommandResult Retry() => new(CommandResultKind.Retry, None, null, null);

    /// <summary>Done; enqueue one follow-up command as a child.</summary>
    public static CommandResult Next(CommandSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(CommandResultKind.Spawn, [spec], null, null);
    }

    /// <summary>Done; enqueue follow-up commands as children.</summary>
    public static CommandResult Spawn(params IEnumerable<CommandSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var list = specs.ToArray();
        if (Array.IndexOf(list, null) >= 0)
        {
            throw new ArgumentException("Spawned specs must not be null.", nameof(specs));
        }

        return list.Length == 0 ? Empty : new(CommandResultKind.Spawn, list, null, null);
    }

    /// <summary>
    /// Fan-out/fan-in: enqueue <paramref name="children"/> and a continuation <paramref name="then"/> that runs once, when
    /// all of them completed successfully, and sees their data in <see cref="CommandContext.FanInResults"/>. If any child
    /// fails, expires, is cancelled or dead-lettered, the continuation never runs: it fails and its recover hook runs.
    /// With no children the continuation runs at once.
    /// </summary>
    public static CommandResult SpawnThen(IEnumerable<CommandSpec> children, CommandSpec then)
    {
        ArgumentNullException.ThrowIfNull(children);
        ArgumentNullException.ThrowIfNull(then);
        var list = children.ToArray();
        if (Array.IndexOf(list, null) >= 0)
        {
            throw new ArgumentException("Spawned specs must not be null.", nameof(children));
        }

        return new(CommandResultKind.SpawnThen, list, then, null);
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        CommandResultKind.Spawn => $"Spawn({string.Join(", ", Commands.Select(c => c.Name))})",
        CommandResultKind.SpawnThen => $"SpawnThen({string.Join(", ", Commands.Select(c => c.Name))} -> {Continuation!.Name})",
        _ => Kind.ToString(),
    };
}
