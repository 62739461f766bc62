using System.Globalization;
using Durex.Storage;
using Microsoft.Data.Sqlite;

namespace Durex.Sqlite;

// Reads, and the write steps shared by several operations.
public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var events = _connections.Read<IReadOnlyList<HistoryEvent>>(connection =>
        {
            var list = new List<HistoryEvent>();
            using var created = connection.CreateCommand();
            created.CommandText = $"SELECT created_at FROM {_schema.Commands} WHERE id = @id";
            if (created.With("@id", Rows.Id(id)).ExecuteScalar() is not long createdAt)
            {
                return list;
            }

            // The "created" event is the row's creation time, not a stored event.
            list.Add(new HistoryEvent(id, HistoryEventType.Created, Rows.ClampedTime(createdAt), 0));
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT type, at, attempt, error, duration, message FROM {_schema.History} WHERE command_id = @id ORDER BY seq";
            using var reader = command.With("@id", Rows.Id(id)).ExecuteReader();
            while (reader.Read())
            {
                // An event row written outside Durex with a type it does not know is left out rather than failing the
                // whole history (its readers, the dashboard among them, would otherwise show nothing at all).
                if (reader.GetValue(0) is not long type || type is < 0 or > (long)HistoryEventType.Interrupted)
                {
                    continue;
                }

                list.Add(new HistoryEvent(id, (HistoryEventType)type, Rows.ClampedTime(reader.GetInt64(1)), reader.GetInt32(2),
                    Rows.ReadText(reader, 3), Rows.ReadSpan(reader, 4), Rows.ReadText(reader, 5)));
            }

            return list;
        });
        return ValueTask.FromResult(events);
    }

    /// <inheritdoc />
    public ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var page = _connections.Read(connection =>
        {
            CommandCursor? windowEnd = null;
            if (query.IsSearchWindowed)
            {
                using var probe = connection.CreateCommand();
                probe.CommandText = WindowEndSql(query, probe);
                using var reader = probe.ExecuteReader();
                if (reader.Read())
                {
                    windowEnd = new CommandCursor(Rows.ClampedTime(reader.GetInt64(0)), Rows.ReadIdLenient(reader, 1));
                }
            }

            using var command = connection.CreateCommand();
            command.CommandText = FindSql(query, command, windowEnd: windowEnd);
            return CommandPage.From(ReadCommands(command), query, windowEnd);
        });
        return ValueTask.FromResult(page);
    }

    /// <summary>The last command of the search window: the window-th from the cursor in sort order (a walk of the creation index).</summary>
    internal string WindowEndSql(CommandQuery query, SqliteCommand command)
    {
        var descending = query.Order == CommandOrder.NewestFirst;
        var after = "";
        if (CommandCursor.TryDecode(query.Cursor, out var cursor))
        {
            after = descending ? " WHERE (created_at, id) < (@cursor_at, @cursor_id)" : " WHERE (created_at, id) > (@cursor_at, @cursor_id)";
            command.With("@cursor_at", Rows.Time(cursor.CreatedAt)).With("@cursor_id", Rows.Id(cursor.Id));
        }

        var direction = descending ? "DESC" : "ASC";
        command.With("@window", query.SearchWindow!.Value - 1);
        return $"SELECT created_at, id FROM {_schema.Commands} INDEXED BY {_schema.CreatedIndex}{after} " +
               $"ORDER BY created_at {direction}, id {direction} LIMIT 1 OFFSET @window";
    }

    /// <summary>
    /// The query's SQL; binds its parameters to <paramref name="command"/> (internal for the plan tests). A window end
    /// bounds a search to the commands up to it.
    /// </summary>
    internal string FindSql(CommandQuery query, SqliteCommand command, CommandCursor? windowEnd = null)
    {
        var where = new List<string>();
        var source = _schema.Commands;
        if (query.Statuses is { Count: > 0 } statuses)
        {
            where.Add("status IN (" + string.Join(", ", statuses.Distinct().Order().Select(s => ((int)s).ToString(CultureInfo.InvariantCulture))) + ")");
            if (statuses.All(s => s is CommandStatus.Failed or CommandStatus.Expired or CommandStatus.Cancelled or CommandStatus.DeadLetter) &&
                query.CorrelationId is null)
            {
                // Rare statuses (the dead-letter view, "failed or dead"): read just their rows from the terminal index
                // and keep the page's best (a bounded top-N sort) instead of walking every row's (created_at, id) until the
                // page fills, possibly to the end. SQLite uses a partial index only when the query states its predicate.
                where.Add(Schema.TerminalPredicate);
                source += " INDEXED BY " + _schema.TerminalIndex;
            }
        }

        Filter(where, command, "name = @name", "@name", query.Name);
        Filter(where, command, Rows.HasTag, "@tag", query.Tag);
        Filter(where, command, "correlation_id = @correlation", "@correlation", query.CorrelationId);
        Filter(where, command, "parent_id = @parent", "@parent", query.ParentId is { } parent ? Rows.Id(parent) : null);
        Filter(where, command, "created_at >= @from", "@from", query.CreatedFrom is { } from ? Rows.Time(from) : null);
        Filter(where, command, "created_at < @before", "@before", query.CreatedBefore is { } before ? Rows.Time(before) : null);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            where.Add("(durex_icontains(error, @search) OR durex_icontains_blob(payload, @search))");
            command.With("@search", query.Search.Trim());
        }

        var descending = query.Order == CommandOrder.NewestFirst;
        if (CommandCursor.TryDecode(query.Cursor, out var cursor))
        {
            where.Add(descending ? "(created_at, id) < (@cursor_at, @cursor_id)" : "(created_at, id) > (@cursor_at, @cursor_id)");
            command.With("@cursor_at", Rows.Time(cursor.CreatedAt)).With("@cursor_id", Rows.Id(cursor.Id));
        }

        if (windowEnd is { } end)
        {
            where.Add(descending ? "(created_at, id) >= (@end_at, @end_id)" : "(created_at, id) <= (@end_at, @end_id)");
            command.With("@end_at", Rows.Time(end.CreatedAt)).With("@end_id", Rows.Id(end.Id));
        }

        var direction = descending ? "DESC" : "ASC";
        var filter = where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
        command.With("@limit", query.Limit + 1);
        return $"SELECT {Schema.Columns} FROM {source}{filter} ORDER BY created_at {direction}, id {direction} LIMIT @limit";
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default)
    {
        var children = _connections.Read<IReadOnlyList<CommandInstance>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Schema.Columns} FROM {_schema.Commands} WHERE awaited_by = @id ORDER BY seq";
            return ReadCommands(command.With("@id", Rows.Id(continuationId)));
        });
        return ValueTask.FromResult(children);
    }

    /// <inheritdoc />
    public ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var statistics = _connections.Read(connection =>
        {
            var counts = Enum.GetValues<CommandStatus>().ToDictionary(s => s, _ => 0L);
            using (var command = connection.CreateCommand())
            {
                // Kept by triggers (migration 3): what entered each status minus what left it, from 256 small rows
                // instead of a count of the table.
                command.CommandText = $"SELECT k, n FROM {_schema.Counts} WHERE n <> 0";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var k = reader.GetInt32(0);
                    var n = reader.GetInt64(1);
                    if (counts.ContainsKey((CommandStatus)(k & 15)))
                    {
                        counts[(CommandStatus)(k & 15)] += n;
                    }

                    if (counts.ContainsKey((CommandStatus)(k >> 4)))
                    {
                        counts[(CommandStatus)(k >> 4)] -= n;
                    }
                }
            }

            long ready;
            DateTimeOffset? oldest;
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT count(*), min(ready_at) FROM {_schema.Commands} WHERE {Claimable} AND ready_at <= @now";
                using var reader = command.With("@now", Rows.Time(request.Now)).ExecuteReader();
                reader.Read();
                ready = reader.GetInt64(0);
                oldest = reader.IsDBNull(1) ? null : Rows.ClampedTime(reader.GetInt64(1));
            }

            var byName = request.ReadyCountNames.ToDictionary(n => n, _ => 0L, StringComparer.Ordinal);
            if (byName.Count > 0)
            {
                using var command = connection.CreateCommand();
                command.CommandText =
                    $"SELECT name, count(*) FROM {_schema.Commands} WHERE {Claimable} AND ready_at <= @now AND name IN (SELECT value FROM json_each(@names)) GROUP BY name";
                using var reader = command.With("@now", Rows.Time(request.Now)).With("@names", Rows.List(byName.Keys)).ExecuteReader();
                while (reader.Read())
                {
                    byName[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            return new StoreStatistics { Counts = counts, Ready = ready, OldestReadyAt = oldest, ReadyByName = byName };
        });
        return ValueTask.FromResult(statistics);
    }

    private static void Filter(List<string> where, SqliteCommand command, string condition, string parameter, object? value)
    {
        if (value is not null)
        {
            where.Add(condition);
            command.With(parameter, value);
        }
    }

    private static List<CommandInstance> ReadCommands(SqliteCommand command)
    {
        var items = new List<CommandInstance>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            items.Add(Rows.ReadCommand(reader));
        }

        return items;
    }

    private CommandInstance? Get(SqliteConnection connection, Guid id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Schema.Columns} FROM {_schema.Commands} WHERE id = @id";
        using var reader = command.With("@id", Rows.Id(id)).ExecuteReader();
        return reader.Read() ? Rows.ReadCommand(reader) : null;
    }

    private Guid? HolderOf(Func<string, SqliteCommand> command, string uniqueKey) =>
        command($"SELECT id FROM {_schema.Commands} WHERE unique_key = @key AND {Active}").With("@key", uniqueKey).ExecuteScalar() is { } id and not DBNull
            ? Rows.IdOrStandIn(id)
            : null;

    private Guid? HolderOf(SqliteConnections.Writer writer, string uniqueKey) => HolderOf(writer.Command, uniqueKey);

    /// <summary>
    /// Inserts commands. A held unique key throws, or with <paramref name="skipHeldKeys"/> (spawned children) skips that
    /// command; returns the skipped ids.
    /// </summary>
    private List<Guid> Insert(Func<string, SqliteCommand> command, Func<string, RawStatement> statement, IReadOnlyList<CommandInstance> commands, bool skipHeldKeys)
    {
        var skipped = new List<Guid>();
        // Rows are inserted in list order (their seq keeps it): a run of rows without unique keys goes in
        // CommandsPerInsert at a time; a keyed row, checked against the rows before it, goes alone.
        var run = 0;
        for (var i = 0; i < commands.Count; i++)
        {
            var item = commands[i];
            if (item.UniqueKey is null)
            {
                run++;
                continue;
            }

            InsertRun(statement, commands, i - run, run);
            run = 0;
            if (HolderOf(command, item.UniqueKey) is { } holder)
            {
                if (!skipHeldKeys)
                {
                    throw new DuplicateCommandException(item.UniqueKey, holder);
                }

                skipped.Add(item.Id);
                continue;
            }

            InsertRun(statement, commands, i, 1);
        }

        InsertRun(statement, commands, commands.Count - run, run);
        return skipped;
    }

    private void InsertRun(Func<string, RawStatement> statement, IReadOnlyList<CommandInstance> commands, int start, int count)
    {
        var i = start;
        if (count >= CommandsPerInsert)
        {
            var insert = statement(_insertCommands);
            for (; start + count - i >= CommandsPerInsert; i += CommandsPerInsert)
            {
                for (var k = 0; k < CommandsPerInsert; k++)
                {
                    Rows.Bind(insert, commands[i + k], k * Rows.ParameterNames.Length);
                }

                insert.Execute();
            }
        }

        if (i < start + count)
        {
            var single = statement(_insertCommand);
            for (; i < start + count; i++)
            {
                Rows.Bind(single, commands[i]);
                single.Execute();
            }
        }
    }

    private List<Guid> Insert(SqliteConnections.Writer writer, IReadOnlyList<CommandInstance> commands, bool skipHeldKeys) =>
        Insert(writer.Command, writer.Statement, commands, skipHeldKeys);

    /// <summary>Appends history events, many rows per INSERT (one statement per <see cref="EventsPerInsert"/> events).</summary>
    private void AddEvents(SqliteConnections.Writer writer, IReadOnlyList<HistoryEvent> events)
    {
        var i = 0;
        if (events.Count >= EventsPerInsert)
        {
            var insert = writer.Statement(_insertEvents);
            for (; events.Count - i >= EventsPerInsert; i += EventsPerInsert)
            {
                for (var k = 0; k < EventsPerInsert; k++)
                {
                    BindEvent(insert, k * 7, events[i + k]);
                }

                insert.Execute();
            }
        }

        for (; i < events.Count; i++)
        {
            AddEvent(writer, events[i]);
        }
    }

    private static void BindEvent(RawStatement s, int at, HistoryEvent item)
    {
        s.Bind(at + 1, item.CommandId);
        s.Bind(at + 2, (long)item.Type);
        s.Bind(at + 3, item.Timestamp.UtcTicks);
        s.Bind(at + 4, item.Attempt);
        s.Bind(at + 5, item.Error);
        s.Bind(at + 6, item.Duration?.Ticks);
        s.Bind(at + 7, item.Message);
    }

    private void AddEvent(SqliteConnections.Writer writer, HistoryEvent item)
    {
        var insert = writer.Statement(_insertEvent);
        BindEvent(insert, 0, item);
        insert.Execute();
    }

    /// <summary>Cancels an active row; returns true when a fan-in continuation became ready.</summary>
    private bool Cancel(SqliteConnections.Writer writer, CommandInstance row, DateTimeOffset now, string? reason)
    {
        AddEvent(writer, new HistoryEvent(row.Id, HistoryEventType.Cancelled, now, row.Attempt,
            Message: CancelMessage.For(reason, row.Status == CommandStatus.Started, row.Attempt)));
        writer.Command(
                $"UPDATE {_schema.Commands} SET status = {(int)CommandStatus.Cancelled}, lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, completed_at = @now WHERE id = @id")
            .With("@now", Rows.Time(now)).With("@id", Rows.Id(row.Id)).ExecuteNonQuery();
        return OnTerminal(writer, row.Id, row.Name, CommandStatus.Cancelled, row.Error, row.AwaitedBy, now);
    }

    /// <summary>Updates the fan-in continuation awaiting a command that just ended; true when it became ready.</summary>
    private bool OnTerminal(SqliteConnections.Writer writer, Guid id, string name, CommandStatus status, string? error, Guid? awaitedBy, DateTimeOffset now)
    {
        if (awaitedBy is not { } continuation)
        {
            return false;
        }

        SqliteCommand update;
        if (status == CommandStatus.Completed)
        {
            update = writer.Command(
                $"UPDATE {_schema.Commands} SET fan_in_pending = fan_in_pending - 1, " +
                "status = CASE WHEN fan_in_pending <= 1 THEN 0 ELSE status END, ready_at = CASE WHEN fan_in_pending <= 1 THEN @now ELSE ready_at END " +
                "WHERE id = @id AND status = 1 RETURNING status");
        }
        else
        {
            update = writer.Command(
                $"UPDATE {_schema.Commands} SET fan_in_failed = 1, error = @error, status = 0, ready_at = @now WHERE id = @id AND status = 1 RETURNING status");
            update.With("@error", FanIn.FailureMessage(id, name, status, error));
        }

        return update.With("@now", Rows.Time(now)).With("@id", Rows.Id(continuation)).ExecuteScalar() is long newStatus && newStatus == 0;
    }
}
