using Npgsql;
using NpgsqlTypes;

namespace Durex.PostgreSql;

/// <summary>Conversions between <see cref="CommandInstance"/> and rows, and parameter helpers.</summary>
internal static class Rows
{
    private static readonly Dictionary<string, CommandStatus> Statuses =
        Enum.GetValues<CommandStatus>().ToDictionary(s => s.ToWireName(), s => s, StringComparer.Ordinal);

    private static readonly Dictionary<string, HistoryEventType> EventTypes =
        Enum.GetValues<HistoryEventType>().ToDictionary(s => s.ToWireName(), s => s, StringComparer.Ordinal);

    public static CommandStatus ParseStatus(string text) =>
        Statuses.TryGetValue(text, out var status) ? status : throw new InvalidOperationException($"Unknown command status '{text}' in the database.");

    public static bool TryParseEventType(string text, out HistoryEventType type) => EventTypes.TryGetValue(text, out type);

    /// <summary>A timestamptz column; false when its value lies outside .NET's range (years 1 to 9999), which PostgreSQL allows.</summary>
    public static bool TryReadTime(NpgsqlDataReader reader, int ordinal, out DateTimeOffset time)
    {
        try
        {
            time = ToOffset(reader.GetDateTime(ordinal));
            return true;
        }
        catch (InvalidCastException)
        {
            time = default;
            return false;
        }
    }

    /// <summary>UTC <see cref="DateTime"/> for a timestamptz parameter (microsecond precision is kept by PostgreSQL).</summary>
    public static DateTime Utc(DateTimeOffset value) => value.UtcDateTime;

    public static DateTime? Utc(DateTimeOffset? value) => value?.UtcDateTime;

    public static DateTimeOffset ToOffset(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    /// <summary>
    /// Reads a row selected with <see cref="Schema.Columns"/> starting at <paramref name="o"/>. A row Durex did not write
    /// the way it reads it (a time outside .NET's range, a NULL inside the tags or sequence, an array of the wrong shape, a
    /// status the table's check was removed for) is salvaged, not thrown: see <see cref="CommandInstance.ReadError"/>.
    /// </summary>
    public static CommandInstance ReadCommand(NpgsqlDataReader r, int o = 0)
    {
        try
        {
            if (Statuses.TryGetValue(r.GetString(o + 2), out var status) && ReadValidCommand(r, o, status) is { } command)
            {
                return command;
            }
        }
        catch (Exception ex) when (IsDecodeFailure(ex))
        {
        }

        return Salvage(r, o);
    }

    private static CommandInstance? ReadValidCommand(NpgsqlDataReader r, int o, CommandStatus status)
    {
        var sequence = r.GetFieldValue<string[]>(o + 6);
        var tags = r.GetFieldValue<string[]>(o + 9);
        // Arrays may hold NULL elements, which no code path expects in a tag or a handler name.
        return Array.IndexOf(sequence, null) >= 0 || Array.IndexOf(tags, null) >= 0 ? null : ReadValidCommand(r, o, status, sequence, tags);
    }

    private static CommandInstance ReadValidCommand(NpgsqlDataReader r, int o, CommandStatus status, string[] sequence, string[] tags) => new()
    {
        Id = r.GetGuid(o),
        Name = r.GetString(o + 1),
        Status = status,
        Payload = r.GetFieldValue<byte[]>(o + 3),
        Attempt = r.GetInt32(o + 4),
        Retries = r.IsDBNull(o + 5) ? null : r.GetInt32(o + 5),
        Sequence = sequence,
        ParentId = r.IsDBNull(o + 7) ? null : r.GetGuid(o + 7),
        Priority = r.GetInt32(o + 8),
        Tags = tags,
        UniqueKey = r.IsDBNull(o + 10) ? null : r.GetString(o + 10),
        TraceId = r.IsDBNull(o + 11) ? null : r.GetString(o + 11),
        CorrelationId = r.IsDBNull(o + 12) ? null : r.GetString(o + 12),
        CreatedAt = ToOffset(r.GetDateTime(o + 13)),
        ReadyAt = ToOffset(r.GetDateTime(o + 14)),
        StartedAt = r.IsDBNull(o + 15) ? null : ToOffset(r.GetDateTime(o + 15)),
        CompletedAt = r.IsDBNull(o + 16) ? null : ToOffset(r.GetDateTime(o + 16)),
        DeadlineAt = r.IsDBNull(o + 17) ? null : ToOffset(r.GetDateTime(o + 17)),
        Timeout = r.IsDBNull(o + 18) ? null : TimeSpan.FromTicks(r.GetInt64(o + 18)),
        Period = r.IsDBNull(o + 19) ? null : TimeSpan.FromTicks(r.GetInt64(o + 19)),
        Cron = r.IsDBNull(o + 20) ? null : r.GetString(o + 20),
        CronTimeZone = r.IsDBNull(o + 21) ? null : r.GetString(o + 21),
        Error = r.IsDBNull(o + 22) ? null : r.GetString(o + 22),
        LeaseOwner = r.IsDBNull(o + 23) ? null : r.GetString(o + 23),
        LeaseId = r.IsDBNull(o + 24) ? null : r.GetGuid(o + 24),
        LeaseExpiresAt = r.IsDBNull(o + 25) ? null : ToOffset(r.GetDateTime(o + 25)),
        AwaitedBy = r.IsDBNull(o + 26) ? null : r.GetGuid(o + 26),
        FanInTotal = r.GetInt32(o + 27),
        FanInPending = r.GetInt32(o + 28),
        FanInFailed = r.GetBoolean(o + 29),
        TraceParent = r.IsDBNull(o + 30) ? null : r.GetString(o + 30),
    };

    private static readonly string[] ColumnNames = Schema.Columns.Split(", ");

    /// <summary>The exceptions decoding a stored value throws (Npgsql reports a value it cannot convert as a cast failure).</summary>
    private static bool IsDecodeFailure(Exception ex) =>
        ex is InvalidCastException or ArgumentException or FormatException or OverflowException;

    /// <summary>
    /// Reads each column on its own: what decodes is kept, what does not gets a default and a line in
    /// <see cref="CommandInstance.ReadError"/>. Only rows the strict reader refused come here; it never throws for a value.
    /// </summary>
    private static CommandInstance Salvage(NpgsqlDataReader r, int o)
    {
        List<string>? problems = null;

        void Problem(int column, string what) => (problems ??= []).Add($"column {ColumnNames[column]} {what}");

        bool TryGet<T>(int column, out T value)
        {
            value = default!;
            try
            {
                if (r.IsDBNull(o + column))
                {
                    return false;
                }

                value = r.GetFieldValue<T>(o + column);
                return true;
            }
            catch (Exception ex) when (IsDecodeFailure(ex))
            {
                Problem(column, $"cannot be read: {ex.Message.TrimEnd('.')}");
                return false;
            }
        }

        T? Value<T>(int column)
            where T : struct => TryGet<T>(column, out var value) ? value : null;

        string? Text(int column) => TryGet<string>(column, out var value) ? value : null;

        DateTimeOffset? Time(int column) => TryGet<DateTime>(column, out var value) ? ToOffset(value) : null;

        IReadOnlyList<string> List(int column)
        {
            if (!TryGet<string?[]>(column, out var items))
            {
                return [];
            }

            if (Array.IndexOf(items, null) < 0)
            {
                return items!;
            }

            Problem(column, "holds a NULL element; the NULLs are left out");
            return items.OfType<string>().ToArray();
        }

        CommandStatus Status()
        {
            var text = Text(2);
            if (text is not null && Statuses.TryGetValue(text, out var status))
            {
                return status;
            }

            Problem(2, $"holds '{text}', not a command status; shown as FAILED");
            return CommandStatus.Failed;
        }

        return new CommandInstance
        {
            Id = Value<Guid>(0) ?? Guid.Empty,
            Name = Text(1) ?? "",
            Status = Status(),
            Payload = TryGet<byte[]>(3, out var payload) ? payload : ReadOnlyMemory<byte>.Empty,
            Attempt = Value<int>(4) ?? 0,
            Retries = Value<int>(5),
            Sequence = List(6),
            ParentId = Value<Guid>(7),
            Priority = Value<int>(8) ?? 0,
            Tags = List(9),
            UniqueKey = Text(10),
            TraceId = Text(11),
            CorrelationId = Text(12),
            CreatedAt = Time(13) ?? DateTimeOffset.MinValue,
            ReadyAt = Time(14) ?? DateTimeOffset.MinValue,
            StartedAt = Time(15),
            CompletedAt = Time(16),
            DeadlineAt = Time(17),
            Timeout = Value<long>(18) is { } timeout ? TimeSpan.FromTicks(timeout) : null,
            Period = Value<long>(19) is { } period ? TimeSpan.FromTicks(period) : null,
            Cron = Text(20),
            CronTimeZone = Text(21),
            Error = Text(22),
            LeaseOwner = Text(23),
            LeaseId = Value<Guid>(24),
            LeaseExpiresAt = Time(25),
            AwaitedBy = Value<Guid>(26),
            FanInTotal = Value<int>(27) ?? 0,
            FanInPending = Value<int>(28) ?? 0,
            FanInFailed = Value<bool>(29) ?? false,
            TraceParent = Text(30),
            // Last: initializers run in order, so every column has reported its problem by now.
            ReadError = "the stored row is not one Durex can read: " +
                        (problems is null ? "a value could not be decoded" : string.Join("; ", problems)) + ".",
        };
    }

    public static async Task<List<CommandInstance>> ReadCommandsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<CommandInstance>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(ReadCommand(reader));
        }

        return list;
    }

    /// <summary>Adds a positional parameter (<c>$n</c>, in order of addition).</summary>
    public static NpgsqlCommand Arg<T>(this NpgsqlCommand command, T value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value, NpgsqlDbType = type });
        return command;
    }

    /// <summary>Adds a positional parameter that may be null.</summary>
    public static NpgsqlCommand ArgOrNull(this NpgsqlCommand command, object? value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
        return command;
    }

    public static NpgsqlBatchCommand Arg<T>(this NpgsqlBatchCommand command, T value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value, NpgsqlDbType = type });
        return command;
    }

    /// <summary>The payload to store: empty payloads are stored as an empty byte string.</summary>
    public static byte[] PayloadBytes(ReadOnlyMemory<byte> payload) => payload.IsEmpty ? [] : payload.ToArray();
}
