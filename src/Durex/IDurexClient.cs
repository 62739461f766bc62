namespace Durex;

/// <summary>
/// Enqueues and inspects commands. <see cref="Executor"/> implements it; processes that only enqueue (a web front end
/// whose commands run in a worker service) can use it without running any handler.
/// </summary>
public interface IDurexClient
{
    /// <summary>Validates and persists one command. It runs once its ready time comes, on any executor that handles its name.</summary>
    /// <exception cref="ArgumentException">The spec is invalid (the message says which value and why).</exception>
    /// <exception cref="DuplicateCommandException">Its unique key is held by an active command.</exception>
    ValueTask<CommandInstance> AddAsync(CommandSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Validates and persists many commands in one store round trip, all or nothing.</summary>
    /// <exception cref="ArgumentException">A spec is invalid; nothing was enqueued.</exception>
    /// <exception cref="DuplicateCommandException">A unique key is held by an active command or repeated in the batch; nothing was enqueued.</exception>
    ValueTask<IReadOnlyList<CommandInstance>> AddManyAsync(IEnumerable<CommandSpec> specs, CancellationToken cancellationToken = default);

    /// <summary>One command, or <see langword="null"/> when it does not exist.</summary>
    ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>A command's history, oldest first.</summary>
    ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Every command of a workflow (sharing a correlation id), oldest first.</summary>
    ValueTask<IReadOnlyList<CommandInstance>> FindByCorrelationIdAsync(string correlationId, CancellationToken cancellationToken = default);
}
