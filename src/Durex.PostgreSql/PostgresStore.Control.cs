using Durex.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Durex.PostgreSql;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public async ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(
            $"SELECT id, name, status, attempt, awaited_by, error FROM {_schema.Commands} WHERE id = $1 FOR UPDATE", connection, transaction);
        select.Arg(id, NpgsqlDbType.Uuid);
        var rows = await ReadVictimsAsync(select, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw new CommandNotFoundException(id);
        }

        if (!rows[0].Status.IsActive())
        {
            throw new InvalidCommandStateException(id, rows[0].Status, "cancel");
        }

        var (cancelled, work) = await CancelRowsAsync(connection, transaction, rows, now, _ => reason, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _observers.Cancelled([id]);
        if (work)
        {
            _observers.WorkAvailable();
        }

        return cancelled[0];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(
            $"SELECT id, name, status, attempt, awaited_by, error FROM {_schema.Commands} WHERE tags @> ARRAY[$1] AND tags <> '{{}}' AND status IN {Schema.Active} ORDER BY seq FOR UPDATE",
            connection, transaction);
        select.Arg(tag, NpgsqlDbType.Text);
        var rows = await ReadVictimsAsync(select, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return [];
        }

        var (_, work) = await CancelRowsAsync(connection, transaction, rows, now, _ => $"Cancelled by tag '{tag}'.", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var ids = rows.ConvertAll(r => r.Id);
        _observers.Cancelled(ids);
        if (work)
        {
            _observers.WorkAvailable();
        }

        return ids;
    }

    private readonly record struct Victim(Guid Id, string Name, CommandStatus Status, int Attempt, Guid? AwaitedBy, string? Error);

    private static async Task<List<Victim>> ReadVictimsAsync(NpgsqlCommand select, CancellationToken cancellationToken)
    {
        var rows = new List<Victim>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new Victim(reader.GetGuid(0), reader.GetString(1), Rows.ParseStatus(reader.GetString(2)), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    /// <summary>
    /// Cancels locked active rows in one round trip: the transition, the events, the fan-in continuations they fail and
    /// the NOTIFY telling every instance (delivered at commit). Returns the updated rows and whether work became ready.
    /// </summary>
    private async Task<(List<CommandInstance> Cancelled, bool Work)> CancelRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        List<Victim> rows, DateTimeOffset now, Func<Victim, string?> reason, CancellationToken cancellationToken)
    {
        const NpgsqlDbType A = NpgsqlDbType.Array;
        var ids = rows.ConvertAll(r => r.Id).ToArray();
        var messages = rows.ConvertAll(r => CancelMessage.For(reason(r), r.Status == CommandStatus.Started, r.Attempt)).ToArray();
        var continuations = new Dictionary<Guid, string>();
        foreach (var row in rows)
        {
            if (row.AwaitedBy is { } continuation && !continuations.ContainsKey(continuation))
            {
                continuations[continuation] = FanIn.FailureMessage(row.Id, row.Name, CommandStatus.Cancelled, row.Error);
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var update = new NpgsqlBatchCommand($"""
            UPDATE {_schema.Commands} c SET status = 'CANCELLED', completed_at = $2, lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL
            WHERE id = ANY($1)
            RETURNING {Schema.Columns}
            """);
        update.Arg(ids, A | NpgsqlDbType.Uuid).Arg(Rows.Utc(now), NpgsqlDbType.TimestampTz);
        batch.BatchCommands.Add(update);

        var events = new NpgsqlBatchCommand($"""
            INSERT INTO {_schema.History} (command_id, type, at, attempt, message)
            SELECT e.id, 'cancelled', $3, e.attempt, e.message
            FROM unnest($1::uuid[], $2::text[], $4::int4[]) WITH ORDINALITY AS e(id, message, attempt, ord)
            ORDER BY e.ord
            """);
        events.Arg(ids, A | NpgsqlDbType.Uuid).Arg(messages, A | NpgsqlDbType.Text).Arg(Rows.Utc(now), NpgsqlDbType.TimestampTz)
            .Arg(rows.ConvertAll(r => r.Attempt).ToArray(), A | NpgsqlDbType.Integer);
        batch.BatchCommands.Add(events);

        var fanIn = new NpgsqlBatchCommand($"""
            UPDATE {_schema.Commands} w SET fan_in_failed = true, error = f.message, status = 'PENDING', ready_at = $3
            FROM unnest($1::uuid[], $2::text[]) AS f(id, message)
            WHERE w.id = f.id AND w.status = 'WAITING'
            RETURNING w.id
            """);
        fanIn.Arg(continuations.Keys.ToArray(), A | NpgsqlDbType.Uuid).Arg(continuations.Values.ToArray(), A | NpgsqlDbType.Text)
            .Arg(Rows.Utc(now), NpgsqlDbType.TimestampTz);
        batch.BatchCommands.Add(fanIn);

        foreach (var payload in CancelPayloads(ids))
        {
            batch.BatchCommands.Add(NotifyCommand(payload));
        }

        var cancelled = new List<CommandInstance>(rows.Count);
        var work = false;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                cancelled.Add(Rows.ReadCommand(reader));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false); // events
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false); // fan-in
            work = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        if (work)
        {
            await SendNotifyAsync(connection, WorkPayload(_instance), cancellationToken, transaction).ConfigureAwait(false);
        }

        return (cancelled, work);
    }

    /// <inheritdoc />
    public async ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        CommandStatus status;
        string? key;
        await using (var select = new NpgsqlCommand($"SELECT status, unique_key FROM {_schema.Commands} WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            select.Arg(id, NpgsqlDbType.Uuid);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new CommandNotFoundException(id);
            }

            status = Rows.ParseStatus(reader.GetString(0));
            key = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        if (status is not (CommandStatus.Failed or CommandStatus.DeadLetter))
        {
            throw new InvalidCommandStateException(id, status, "replay");
        }

        if (key is not null)
        {
            await using var holder = new NpgsqlCommand(
                $"SELECT id FROM {_schema.Commands} WHERE unique_key = $1 AND status IN {Schema.Active} AND id <> $2 LIMIT 1", connection, transaction);
            holder.Arg(key, NpgsqlDbType.Text).Arg(id, NpgsqlDbType.Uuid);
            if (await holder.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is Guid holderId)
            {
                throw new DuplicateCommandException(key, holderId);
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var update = new NpgsqlBatchCommand($"""
            UPDATE {_schema.Commands} SET status = 'PENDING', attempt = 0, error = NULL, started_at = NULL, completed_at = NULL,
                                          fan_in_failed = false, ready_at = $2
            WHERE id = $1
            RETURNING {Schema.Columns}
            """);
        update.Arg(id, NpgsqlDbType.Uuid).Arg(Rows.Utc(now), NpgsqlDbType.TimestampTz);
        batch.BatchCommands.Add(update);
        var history = new NpgsqlBatchCommand($"INSERT INTO {_schema.History} (command_id, type, at, attempt, message) VALUES ($1, 'replayed', $2, 0, $3)");
        history.Arg(id, NpgsqlDbType.Uuid).Arg(Rows.Utc(now), NpgsqlDbType.TimestampTz)
            .Arg(message ?? $"Replayed from {status.ToWireName()}.", NpgsqlDbType.Text);
        batch.BatchCommands.Add(history);
        batch.BatchCommands.Add(NotifyCommand(WorkPayload(_instance)));

        CommandInstance requeued;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            requeued = Rows.ReadCommand(reader);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && key is not null)
        {
            throw new DuplicateCommandException(key, null); // taken by a concurrent enqueue just now
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _observers.WorkAvailable();
        return requeued;
    }

    /// <inheritdoc />
    public async ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        var statuses = request.Statuses.Where(s => s.IsTerminal()).Select(s => s.ToWireName()).Distinct().ToArray();
        if (statuses.Length == 0 || request.Limit is <= 0)
        {
            return 0;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            WITH victims AS (
                SELECT c.id FROM {_schema.Commands} c
                WHERE c.status = ANY($1) AND c.completed_at < $2
                  AND NOT EXISTS (SELECT 1 FROM {_schema.Commands} w WHERE w.id = c.awaited_by AND w.status IN {Schema.Active})
                LIMIT $3
                FOR UPDATE SKIP LOCKED
            ), history AS (
                DELETE FROM {_schema.History} WHERE command_id IN (SELECT id FROM victims)
            )
            DELETE FROM {_schema.Commands} WHERE id IN (SELECT id FROM victims)
            """, connection);
        command.Arg(statuses, NpgsqlDbType.Array | NpgsqlDbType.Text)
            .Arg(Rows.Utc(request.CompletedBefore), NpgsqlDbType.TimestampTz)
            .ArgOrNull(request.Limit, NpgsqlDbType.Integer);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
