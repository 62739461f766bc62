using System.Text;
using Durex.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Durex.PostgreSql;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public async ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Schema.Columns} FROM {_schema.Commands} WHERE id = $1", connection);
        command.Arg(id, NpgsqlDbType.Uuid);
        var rows = await Rows.ReadCommandsAsync(command, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT command_id, type, at, attempt, error, duration_ticks, message FROM {_schema.History} WHERE command_id = $1 ORDER BY seq", connection);
        command.Arg(id, NpgsqlDbType.Uuid);
        var events = new List<HistoryEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // An event row written outside Durex with an unknown type or an unreadable time is left out rather than failing
            // the whole history (its readers, the dashboard among them, would otherwise show nothing at all).
            if (!Rows.TryParseEventType(reader.GetString(1), out var type) || !Rows.TryReadTime(reader, 2, out var at))
            {
                continue;
            }

            events.Add(new HistoryEvent(
                reader.GetGuid(0),
                type,
                at,
                reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : TimeSpan.FromTicks(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return events;
    }

    /// <inheritdoc />
    public async ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        CommandCursor? windowEnd = null;
        if (query.IsSearchWindowed)
        {
            await using var probe = new NpgsqlCommand { Connection = connection };
            probe.CommandText = WindowEndSql(query, probe);
            await using var reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            // A creation time outside .NET's range (a row written outside Durex) cannot bound the window: that page is
            // then searched to its end, which is slower but still correct.
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && Rows.TryReadTime(reader, 0, out var endAt))
            {
                windowEnd = new CommandCursor(endAt, reader.GetGuid(1));
            }
        }

        List<CommandInstance> items;
        try
        {
            await using var command = new NpgsqlCommand { Connection = connection };
            command.CommandText = FindSql(query, command, windowEnd: windowEnd);
            items = await Rows.ReadCommandsAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CharacterNotInRepertoire && !string.IsNullOrWhiteSpace(query.Search))
        {
            // A payload written outside Durex that is not UTF-8 makes convert_from fail the whole search: search that
            // page again on the payload's bytes (see FindSql), so one bad row costs precision, not the query.
            await using var command = new NpgsqlCommand { Connection = connection };
            command.CommandText = FindSql(query, command, windowEnd: windowEnd, bytewisePayload: true);
            items = await Rows.ReadCommandsAsync(command, cancellationToken).ConfigureAwait(false);
        }

        return CommandPage.From(items, query, windowEnd);
    }

    /// <summary>The last command of the search window: the window-th from the cursor in sort order (a walk of the creation index).</summary>
    internal string WindowEndSql(CommandQuery query, NpgsqlCommand command)
    {
        var descending = query.Order == CommandOrder.NewestFirst;
        var after = "";
        var p = 1;
        if (CommandCursor.TryDecode(query.Cursor, out var cursor))
        {
            command.Arg(Rows.Utc(cursor.CreatedAt), NpgsqlDbType.TimestampTz).Arg(cursor.Id, NpgsqlDbType.Uuid);
            after = $" WHERE (created_at, id) {(descending ? "<" : ">")} ($1, $2)";
            p = 3;
        }

        var direction = descending ? "DESC" : "ASC";
        command.Arg(query.SearchWindow!.Value - 1, NpgsqlDbType.Integer);
        return $"SELECT created_at, id FROM {_schema.Commands}{after} ORDER BY created_at {direction}, id {direction} LIMIT 1 OFFSET ${p}";
    }

    /// <summary>
    /// The query's SQL; adds its parameters to <paramref name="command"/> (internal for the plan tests). A window end
    /// bounds a search to the commands up to it. <paramref name="bytewisePayload"/> searches payloads without decoding
    /// them as UTF-8 (for tables holding a payload that is not): the exact bytes of the text, or its ASCII letters in any
    /// case in the payload's escaped form.
    /// </summary>
    internal string FindSql(CommandQuery query, NpgsqlCommand command, CommandCursor? windowEnd = null, bool bytewisePayload = false)
    {
        var where = new List<string>();
        var p = 0;
        string Param<T>(T value, NpgsqlDbType type)
        {
            command.Arg(value, type);
            return "$" + ++p;
        }

        if (query.Statuses is { Count: > 0 } statuses)
        {
            // Literals, not a parameter: the planner can then prove the partial index of rare statuses covers the
            // filter (the dead-letter view, "failed or dead") and walk it instead of every row's (created_at, id).
            where.Add($"status IN {Schema.Literals(statuses.Distinct().Order())}");
        }

        if (query.Name is not null)
        {
            where.Add($"name = {Param(query.Name, NpgsqlDbType.Text)}");
        }

        if (query.Tag is not null)
        {
            where.Add($"tags @> ARRAY[{Param(query.Tag, NpgsqlDbType.Text)}]");
        }

        if (query.CorrelationId is not null)
        {
            where.Add($"correlation_id = {Param(query.CorrelationId, NpgsqlDbType.Text)}");
        }

        if (query.ParentId is { } parent)
        {
            where.Add($"parent_id = {Param(parent, NpgsqlDbType.Uuid)}");
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = Param(query.Search.Trim(), NpgsqlDbType.Text);
            where.Add(bytewisePayload
                ? $"(strpos(lower(error), lower({search})) > 0 OR position(convert_to({search}, 'UTF8') IN payload) > 0 " +
                  $"OR strpos(lower(encode(payload, 'escape')), replace(lower({search}), '\\', '\\\\')) > 0)"
                : $"(strpos(lower(error), lower({search})) > 0 OR strpos(lower(convert_from(payload, 'UTF8')), lower({search})) > 0)");
        }

        if (query.CreatedFrom is { } from)
        {
            where.Add($"created_at >= {Param(Rows.Utc(from), NpgsqlDbType.TimestampTz)}");
        }

        if (query.CreatedBefore is { } before)
        {
            where.Add($"created_at < {Param(Rows.Utc(before), NpgsqlDbType.TimestampTz)}");
        }

        var descending = query.Order == CommandOrder.NewestFirst;
        if (CommandCursor.TryDecode(query.Cursor, out var cursor))
        {
            var at = Param(Rows.Utc(cursor.CreatedAt), NpgsqlDbType.TimestampTz);
            var id = Param(cursor.Id, NpgsqlDbType.Uuid);
            where.Add($"(created_at, id) {(descending ? "<" : ">")} ({at}, {id})");
        }

        if (windowEnd is { } end)
        {
            var at = Param(Rows.Utc(end.CreatedAt), NpgsqlDbType.TimestampTz);
            var id = Param(end.Id, NpgsqlDbType.Uuid);
            where.Add($"(created_at, id) {(descending ? ">=" : "<=")} ({at}, {id})");
        }

        var direction = descending ? "DESC" : "ASC";
        var sql = new StringBuilder($"SELECT {Schema.Columns} FROM {_schema.Commands}");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        sql.Append($" ORDER BY created_at {direction}, id {direction} LIMIT {Param(query.Limit + 1, NpgsqlDbType.Integer)}");
        return sql.ToString();
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Schema.Columns} FROM {_schema.Commands} WHERE awaited_by = $1 ORDER BY seq", connection);
        command.Arg(continuationId, NpgsqlDbType.Uuid);
        return await Rows.ReadCommandsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        // The counters the triggers keep (one row per shard), not a count of the table.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"SELECT {string.Join(", ", Schema.CountColumns.Select(c => $"coalesce(sum({c.Column}), 0)::bigint"))} FROM {_schema.Counts}"));
        var ready = new NpgsqlBatchCommand($"SELECT count(*), min(ready_at) FROM {_schema.Commands} WHERE status IN {Schema.Ready} AND ready_at <= $1");
        ready.Arg(Rows.Utc(request.Now), NpgsqlDbType.TimestampTz);
        batch.BatchCommands.Add(ready);
        var byName = new NpgsqlBatchCommand(
            $"SELECT name, count(*) FROM {_schema.Commands} WHERE status IN {Schema.Ready} AND {Schema.ByNameGuard} AND ready_at <= $1 AND name = ANY($2) GROUP BY name");
        byName.Arg(Rows.Utc(request.Now), NpgsqlDbType.TimestampTz).Arg(request.ReadyCountNames.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        batch.BatchCommands.Add(byName);

        var counts = Enum.GetValues<CommandStatus>().ToDictionary(s => s, _ => 0L);
        long readyCount;
        DateTimeOffset? oldest;
        var readyByName = request.ReadyCountNames.Distinct().ToDictionary(n => n, _ => 0L, StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < Schema.CountColumns.Length; i++)
            {
                counts[Schema.CountColumns[i].Status] = reader.GetInt64(i);
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            readyCount = reader.GetInt64(0);
            // The oldest ready time is in the past: one before .NET's range (a row written outside Durex) reads as the minimum.
            oldest = reader.IsDBNull(1) ? null : Rows.TryReadTime(reader, 1, out var at) ? at : DateTimeOffset.MinValue;
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                readyByName[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        return new StoreStatistics { Counts = counts, Ready = readyCount, OldestReadyAt = oldest, ReadyByName = readyByName };
    }
}
