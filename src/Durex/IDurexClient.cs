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

    /// <summary>Commands matching a query, one page at a time (keyset paging with <see cref="Storage.CommandPage.NextCursor"/>).</summary>
    /// <exception cref="ArgumentException">Invalid page size or cursor.</exception>
    ValueTask<Storage.CommandPage> FindAsync(Storage.CommandQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels an active command. A pending or delayed one never runs; a running one has its handler's token cancelled
    /// (on this executor at once, on others through the store) and ends <see cref="CommandStatus.Cancelled"/>, not
    /// failed and not retried.
    /// </summary>
    /// <exception cref="CommandNotFoundException">No such command.</exception>
    /// <exception cref="InvalidCommandStateException">It is already terminal.</exception>
    /// <exception cref="ArgumentException">The reason contains a NUL character, which stored text cannot hold.</exception>
    ValueTask<CommandInstance> CancelAsync(Guid id, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels every active command carrying <paramref name="tag"/>; returns how many.</summary>
    /// <exception cref="ArgumentException">The tag is blank or contains a NUL character.</exception>
    ValueTask<int> CancelByTagAsync(string tag, CancellationToken cancellationToken = default);
}
