namespace Durex.Storage;

/// <summary>
/// The persistence contract every store implements (memory, SQLite, PostgreSQL). It is batch-shaped: enqueue many,
/// claim many under a lease, apply many outcomes in one round trip. Its behaviour is pinned down by the storage
/// conformance test suite, which every store must pass.
/// </summary>
/// <remarks>
/// Stores never read the clock: every time-dependent call receives "now" from the executor's <see cref="TimeProvider"/>,
/// so tests drive time with a fake clock. All methods are safe to call concurrently.
/// </remarks>
public interface ICommandStore : IAsyncDisposable
{
    /// <summary>Creates or migrates the schema. Idempotent and safe when several instances start together.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Persists new commands (status <see cref="CommandStatus.Pending"/>, or <see cref="CommandStatus.Waiting"/> for a fan-in
    /// continuation) with their <see cref="HistoryEventType.Created"/> events, all or nothing.
    /// </summary>
    /// <exception cref="DuplicateCommandException">A unique key is held by an active command (or repeated in the batch); nothing was written.</exception>
    ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically moves up to <see cref="ClaimRequest.Limit"/> ready commands (pending or repeating, ready time reached, name
    /// handled, name under its limit) to <see cref="CommandStatus.Started"/> under a new lease, highest priority first, then
    /// earliest ready time, returned in that order. Increments <see cref="CommandInstance.Attempt"/> and sets
    /// <see cref="CommandInstance.StartedAt"/>. The lease id is new for every claim and may be shared by the whole batch:
    /// a lease is identified by (command id, lease id).
    /// No command is ever returned to two claimers.
    /// </summary>
    ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies attempt outcomes: state transitions, history events and new commands (children, continuations) in one
    /// transaction. An outcome whose lease is no longer current (the command was cancelled, or rescued and claimed again)
    /// is rejected without effect. A command reaching a terminal state updates the fan-in continuation awaiting it.
    /// </summary>
    ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>The earliest ready time among pending or repeating commands with one of <paramref name="names"/>.</summary>
    ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default);

    /// <summary>Extends the leases still held; returns the ids whose lease was lost (cancelled, rescued or finished elsewhere).</summary>
    ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves started commands whose lease ran out before <paramref name="now"/> back to pending, keeping their attempt
    /// count, with a <see cref="HistoryEventType.Recovered"/> event (the executor counts these to give lost attempts
    /// back). Leases held by <paramref name="exceptOwner"/>, when given, are left alone; the executor gives none, because
    /// it renews the leases it holds right before. Returns the rescued ids.
    /// </summary>
    ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels an active command (a running one included) with a <see cref="HistoryEventType.Cancelled"/> event.</summary>
    /// <exception cref="CommandNotFoundException">No such command.</exception>
    /// <exception cref="InvalidCommandStateException">The command is already terminal.</exception>
    ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Cancels every active command carrying <paramref name="tag"/>; returns their ids.</summary>
    ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a failed or dead-lettered command back to pending with a fresh retry budget (attempt 0) and a
    /// <see cref="HistoryEventType.Replayed"/> event.
    /// </summary>
    /// <exception cref="CommandNotFoundException">No such command.</exception>
    /// <exception cref="InvalidCommandStateException">The command is not failed or dead-lettered.</exception>
    /// <exception cref="DuplicateCommandException">Its unique key is now held by another active command.</exception>
    ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes terminal commands (and their history) in <see cref="PurgeRequest.Statuses"/> that completed before
    /// <see cref="PurgeRequest.CompletedBefore"/>. Children still awaited by an active fan-in continuation are kept.
    /// </summary>
    ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default);

    /// <summary>One command, or <see langword="null"/>.</summary>
    ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The command's history, oldest first (empty when the command does not exist).</summary>
    ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Commands matching a query, one page at a time (keyset paging).</summary>
    ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default);

    /// <summary>The commands a fan-in continuation waited for, in the order they were spawned.</summary>
    ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default);

    /// <summary>Counts per status, ready queue depth and age, running count.</summary>
    ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers an observer told about new ready work and cancellations, including those made by other processes when
    /// the store can see them (PostgreSQL LISTEN/NOTIFY). Dispose the result to unsubscribe.
    /// </summary>
    IDisposable Subscribe(IStoreObserver observer);
}

/// <summary>Receives store signals. Implementations must be fast and must not throw.</summary>
public interface IStoreObserver
{
    /// <summary>New commands became ready (or may have).</summary>
    void OnWorkAvailable();

    /// <summary>Commands were cancelled; running ones should have their handlers' tokens cancelled.</summary>
    void OnCancelled(IReadOnlyList<Guid> ids);
}
