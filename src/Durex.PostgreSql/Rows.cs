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

    public static HistoryEventType ParseEventType(string text) =>
        EventTypes.TryGetValue(text, out var type) ? type : throw new InvalidOperationException($"Unknown history event type '{text}' in the database.");

    /// <summary>UTC <see cref="DateTime"/> for a timestamptz parameter (microsecond precision is kept by PostgreSQL).</summary>
    public static DateTime Utc(DateTimeOffset value) => value.UtcDateTime;

    public static DateTime? Utc(DateTimeOffset? value) => value?.UtcDateTime;

    public static DateTimeOffset ToOffset(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    /// <summary>Reads a row selected with <see cref="Schema.Columns"/> starting at <paramref name="o"/>.</summary>
    public static CommandInstance ReadCommand(NpgsqlDataReader r, int o = 0) => new()
    {
        Id = r.GetGuid(o),
        Name = r.GetString(o + 1),
        Status = ParseStatus(r.GetString(o + 2)),
        Payload = r.GetFieldValue<byte[]>(o + 3),
        Attempt = r.GetInt32(o + 4),
        Retries = r.IsDBNull(o + 5) ? null : r.GetInt32(o + 5),
        Sequence = r.GetFieldValue<string[]>(o + 6),
        ParentId = r.IsDBNull(o + 7) ? null : r.GetGuid(o + 7),
        Priority = r.GetInt32(o + 8),
        Tags = r.GetFieldValue<string[]>(o + 9),
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
