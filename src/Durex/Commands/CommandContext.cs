using System.Text.Json.Serialization.Metadata;

namespace Durex;

/// <summary>What a handler sees of the command it runs: identity, attempt, payload and the ids to propagate.</summary>
/// <remarks>
/// Changes to <see cref="Data"/> are saved with the attempt's outcome and flow into <see cref="ContinueSequence"/> steps.
/// </remarks>
public sealed class CommandContext
{
    private static readonly IReadOnlyList<FanInResult> NoResults = Array.Empty<FanInResult>();

    internal CommandContext(CommandInstance command, int maxRetries, CancellationToken cancellationToken, IServiceProvider? services)
    {
        Command = command;
        MaxRetries = maxRetries;
        CancellationToken = cancellationToken;
        Services = services;
        Data = CommandData.WritableCopy(command.Payload);
    }

    /// <summary>The stored snapshot the attempt started from.</summary>
    public CommandInstance Command { get; }

    /// <summary>Command id.</summary>
    public Guid Id => Command.Id;

    /// <summary>Handler name.</summary>
    public string Name => Command.Name;

    /// <summary>1 for the first attempt of a run, 2 for the first retry, and so on.</summary>
    public int Attempt => Command.Attempt;

    /// <summary>Retries this command may use in total (the spec's value, else the handler's, else the executor's).</summary>
    public int MaxRetries { get; }

    /// <summary>Retries left after this attempt if it fails.</summary>
    public int RetriesLeft => Math.Max(0, MaxRetries - (Attempt - 1));

    /// <summary>True when this attempt is the last one allowed.</summary>
    public bool IsLastAttempt => RetriesLeft == 0;

    /// <summary>The payload; writable. Changes are saved with the outcome.</summary>
    public CommandData Data { get; }

    /// <summary>Handler names still to run after this one.</summary>
    public IReadOnlyList<string> Sequence => Command.Sequence;

    /// <summary>Labels.</summary>
    public IReadOnlyList<string> Tags => Command.Tags;

    /// <summary>Trace id shared with descendants.</summary>
    public string? TraceId => Command.TraceId;

    /// <summary>Correlation id shared by the workflow.</summary>
    public string? CorrelationId => Command.CorrelationId;

    /// <summary>The command that spawned this one.</summary>
    public Guid? ParentId => Command.ParentId;

    /// <summary>Cancelled on timeout, on cancellation of this command and when a graceful shutdown runs out of time.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The services of the current execution scope, when the executor runs under dependency injection.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>For a fan-in continuation: the data of every command it waited for, in spawn order.</summary>
    public IReadOnlyList<FanInResult> FanInResults { get; internal set; } = NoResults;

    /// <summary>Sets a payload member (shorthand for <c>Data.Set</c>); the next sequence step receives it.</summary>
    public CommandContext Set(string key, string? value)
    {
        Data.Set(key, value);
        return this;
    }

    /// <summary>Sets an integer payload member.</summary>
    public CommandContext Set(string key, int value)
    {
        Data.Set(key, value);
        return this;
    }

    /// <summary>Sets a 64-bit integer payload member.</summary>
    public CommandContext Set(string key, long value)
    {
        Data.Set(key, value);
        return this;
    }

    /// <summary>Sets a number payload member.</summary>
    public CommandContext Set(string key, double value)
    {
        Data.Set(key, value);
        return this;
    }

    /// <summary>Sets a Boolean payload member.</summary>
    public CommandContext Set(string key, bool value)
    {
        Data.Set(key, value);
        return this;
    }

    /// <summary>Sets a typed payload member.</summary>
    public CommandContext Set<T>(string key, T value, JsonTypeInfo<T> typeInfo)
    {
        Data.Set(key, value, typeInfo);
        return this;
    }

    /// <summary>Reads the whole payload as a typed value.</summary>
    public T? GetPayload<T>(JsonTypeInfo<T> typeInfo) => Data.Get(typeInfo);

    /// <summary>
    /// The payload as the handler's declared type, for typed handlers (<see cref="Executor.HandleTyped{T}"/> and generated
    /// code). A payload that does not match the type fails the command for good: every retry would read the same bytes.
    /// </summary>
    /// <exception cref="PermanentFailureException">The payload is not JSON of <typeparamref name="T"/>; the message names the type and the JSON error.</exception>
    internal T? ReadTypedPayload<T>(JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return Data.Get(typeInfo);
        }
        catch (FormatException ex)
        {
            var detail = ex.InnerException?.Message ?? ex.Message;
            throw new PermanentFailureException($"The payload of '{Name}' cannot be read as {typeof(T).Name}: {detail}", ex);
        }
    }

    /// <summary>
    /// Continues the sequence: the next handler in <see cref="Sequence"/> runs as a child with a copy of this command's
    /// data (including changes made by this attempt) plus <paramref name="additional"/>, and the rest of the sequence.
    /// Returns <see cref="CommandResult.Empty"/> when the sequence is finished.
    /// </summary>
    public CommandResult ContinueSequence(CommandData? additional = null)
    {
        if (Sequence.Count == 0)
        {
            return CommandResult.Empty;
        }

        var next = new CommandSpec(Sequence[0])
        {
            Data = Data.Clone().Merge(additional),
            Sequence = Sequence.Skip(1).ToList(),
            TraceId = TraceId,
            CorrelationId = CorrelationId,
        };
        return CommandResult.Next(next);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Id} attempt {Attempt}";
}

/// <summary>The outcome of one command a fan-in continuation waited for.</summary>
/// <param name="CommandId">The child's id.</param>
/// <param name="Name">The child's handler name.</param>
/// <param name="Data">The child's final payload (including what its handler set).</param>
public sealed record FanInResult(Guid CommandId, string Name, CommandData Data);
