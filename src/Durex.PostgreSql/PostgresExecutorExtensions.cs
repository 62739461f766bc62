using Npgsql;

namespace Durex.PostgreSql;

/// <summary>Transactional enqueue: commands inserted inside the caller's own PostgreSQL transaction.</summary>
public static class PostgresExecutorExtensions
{
    /// <summary>
    /// Inserts the command <paramref name="spec"/> describes inside <paramref name="transaction"/>: it exists only if that
    /// transaction commits, and every executor on the store is woken by a NOTIFY that PostgreSQL delivers at commit.
    /// </summary>
    /// <remarks>
    /// The transaction's connection must reach the database of the executor's <see cref="PostgresStore"/>. A
    /// <see cref="DuplicateCommandException"/> leaves the transaction aborted (roll it back, or use a savepoint around
    /// the call).
    /// </remarks>
    /// <exception cref="InvalidOperationException">The executor's store is not a <see cref="PostgresStore"/>.</exception>
    /// <exception cref="DuplicateCommandException">The unique key is held by an active command.</exception>
    public static async ValueTask<CommandInstance> AddAsync(this Executor executor, CommandSpec spec, NpgsqlTransaction transaction,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var added = await AddManyAsync(executor, [spec], transaction, cancellationToken).ConfigureAwait(false);
        return added[0];
    }

    /// <summary>
    /// Inserts the commands <paramref name="specs"/> describe inside <paramref name="transaction"/>, all or nothing (binary
    /// COPY for large batches). See <see cref="AddAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The executor's store is not a <see cref="PostgresStore"/>.</exception>
    /// <exception cref="DuplicateCommandException">A unique key is held by an active command or repeated in the batch.</exception>
    public static async ValueTask<IReadOnlyList<CommandInstance>> AddManyAsync(this Executor executor, IEnumerable<CommandSpec> specs,
        NpgsqlTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(transaction);
        var store = executor.Store as PostgresStore ?? throw new InvalidOperationException(
            $"Transactional enqueue needs an executor over a {nameof(PostgresStore)}; this one uses {executor.Store.GetType().Name}.");
        var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction is already completed.");
        var commands = specs.Select(executor.CreateCommand).ToList();
        if (commands.Count == 0)
        {
            return commands;
        }

        PostgresStore.CheckBatchKeys(commands);
        try
        {
            // Empty notifier: every store instance, this process's included, wakes when the transaction commits.
            await store.InsertAsync(connection, transaction, commands, "", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw await store.TranslateDuplicateOutsideAsync(e, commands, cancellationToken).ConfigureAwait(false);
        }

        return commands;
    }
}
