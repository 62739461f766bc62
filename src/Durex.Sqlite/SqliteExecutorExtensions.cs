using Microsoft.Data.Sqlite;

namespace Durex.Sqlite;

/// <summary>Transactional enqueue on SQLite: commands that exist if and only if the caller's transaction commits.</summary>
public static class SqliteExecutorExtensions
{
    /// <summary>
    /// Adds a command inside <paramref name="transaction"/> (on the executor's database file): rolled back with it,
    /// committed with it. Executors in this process wake when it commits.
    /// </summary>
    /// <example><code>
    /// await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
    /// // ... the application's own writes ...
    /// await executor.AddAsync(new CommandSpec("sendReceipt") { Data = { ["orderId"] = 42 } }, tx);
    /// await tx.CommitAsync();
    /// </code></example>
    /// <exception cref="InvalidOperationException">The executor's store is not a <see cref="SqliteStore"/>.</exception>
    /// <exception cref="DuplicateCommandException">The unique key is held; nothing was added and the transaction is still usable.</exception>
    public static ValueTask<CommandInstance> AddAsync(this Executor executor, CommandSpec spec, SqliteTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        var command = executor.CreateCommand(spec);
        StoreOf(executor).Enqueue(transaction, [command]);
        return ValueTask.FromResult(command);
    }

    /// <summary>Adds several commands inside <paramref name="transaction"/>, all or nothing.</summary>
    public static ValueTask<IReadOnlyList<CommandInstance>> AddManyAsync(this Executor executor, IEnumerable<CommandSpec> specs, SqliteTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(specs);
        IReadOnlyList<CommandInstance> commands = specs.Select(executor.CreateCommand).ToArray();
        StoreOf(executor).Enqueue(transaction, commands);
        return ValueTask.FromResult(commands);
    }

    private static SqliteStore StoreOf(Executor executor) =>
        executor.Store as SqliteStore ?? throw new InvalidOperationException(
            $"Transactional enqueue with a SqliteTransaction needs an executor over a SqliteStore, not {executor.Store.GetType().Name}.");
}
