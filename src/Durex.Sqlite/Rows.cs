using Durex.Storage;
using Microsoft.Data.Sqlite;

namespace Durex.Sqlite;

/// <summary>Conversions between commands and rows: ids, times, string lists.</summary>
internal static class Rows
{
    public static byte[] Id(Guid id) => id.ToByteArray(bigEndian: true);

    public static object Id(Guid? id) => id is { } value ? Id(value) : DBNull.Value;

    public static Guid ReadId(SqliteDataReader reader, int ordinal) => new(reader.GetFieldValue<byte[]>(ordinal), bigEndian: true);

    public static Guid? ReadNullableId(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadId(reader, ordinal);

    public static long Time(DateTimeOffset time) => time.UtcTicks;

    public static object Time(DateTimeOffset? time) => time is { } value ? value.UtcTicks : DBNull.Value;

    public static DateTimeOffset ReadTime(SqliteDataReader reader, int ordinal) => new(reader.GetInt64(ordinal), TimeSpan.Zero);

    public static DateTimeOffset? ReadNullableTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    public static object Span(TimeSpan? span) => span is { } value ? value.Ticks : DBNull.Value;

    public static TimeSpan? ReadSpan(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : TimeSpan.FromTicks(reader.GetInt64(ordinal));

    public static object Text(string? text) => text is null ? DBNull.Value : text;

    public static string? ReadText(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A string list as a JSON array (tags are searched with <c>json_each</c>); null when empty.</summary>
    public static object List(IReadOnlyCollection<string> items) => (object?)StoreJson.WriteStringArray(items) ?? DBNull.Value;

    public static IReadOnlyList<string> ReadList(SqliteDataReader reader, int ordinal) =>
        StoreJson.ReadStringArray(reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal));

    /// <summary>Binds every column of <paramref name="c"/> to parameters 1…31 of an insert in <see cref="Schema.Columns"/> order.</summary>
    public static void Bind(RawStatement s, CommandInstance c, int at = 0)
    {
        s.Bind(at + 1, c.Id);
        s.Bind(at + 2, c.Name);
        s.Bind(at + 3, (long)c.Status);
        s.BindBlob(at + 4, c.Payload.Span, isNull: c.Payload.IsEmpty);
        s.Bind(at + 5, c.Attempt);
        s.Bind(at + 6, c.Retries);
        s.Bind(at + 7, List(c.Sequence) as string);
        s.Bind(at + 8, c.ParentId);
        s.Bind(at + 9, c.Priority);
        s.Bind(at + 10, List(c.Tags) as string);
        s.Bind(at + 11, c.UniqueKey);
        s.Bind(at + 12, c.TraceId);
        s.Bind(at + 13, c.CorrelationId);
        s.Bind(at + 14, c.CreatedAt.UtcTicks);
        s.Bind(at + 15, c.ReadyAt.UtcTicks);
        s.Bind(at + 16, c.StartedAt?.UtcTicks);
        s.Bind(at + 17, c.CompletedAt?.UtcTicks);
        s.Bind(at + 18, c.DeadlineAt?.UtcTicks);
        s.Bind(at + 19, c.Timeout?.Ticks);
        s.Bind(at + 20, c.Period?.Ticks);
        s.Bind(at + 21, c.Cron);
        s.Bind(at + 22, c.CronTimeZone);
        s.Bind(at + 23, c.Error);
        s.Bind(at + 24, c.LeaseOwner);
        s.Bind(at + 25, c.LeaseId);
        s.Bind(at + 26, c.LeaseExpiresAt?.UtcTicks);
        s.Bind(at + 27, c.AwaitedBy);
        s.Bind(at + 28, c.FanInTotal);
        s.Bind(at + 29, c.FanInPending);
        s.Bind(at + 30, c.FanInFailed ? 1 : 0);
        s.Bind(at + 31, c.TraceParent);
    }

    /// <summary>Reads the current row of a statement selecting <see cref="Schema.Columns"/>.</summary>
    public static CommandInstance ReadCommand(RawStatement r) => new()
    {
        Id = r.GetId(0),
        Name = r.GetString(1),
        Status = (CommandStatus)r.GetInt32(2),
        Payload = r.IsNull(3) ? ReadOnlyMemory<byte>.Empty : r.GetBlob(3).ToArray(),
        Attempt = r.GetInt32(4),
        Retries = r.IsNull(5) ? null : r.GetInt32(5),
        Sequence = ReadList(r, 6),
        ParentId = r.GetNullableId(7),
        Priority = r.GetInt32(8),
        Tags = ReadList(r, 9),
        UniqueKey = r.GetText(10),
        TraceId = r.GetText(11),
        CorrelationId = r.GetText(12),
        CreatedAt = r.GetTime(13),
        ReadyAt = r.GetTime(14),
        StartedAt = r.GetNullableTime(15),
        CompletedAt = r.GetNullableTime(16),
        DeadlineAt = r.GetNullableTime(17),
        Timeout = r.GetSpan(18),
        Period = r.GetSpan(19),
        Cron = r.GetText(20),
        CronTimeZone = r.GetText(21),
        Error = r.GetText(22),
        LeaseOwner = r.GetText(23),
        LeaseId = r.GetNullableId(24),
        LeaseExpiresAt = r.GetNullableTime(25),
        AwaitedBy = r.GetNullableId(26),
        FanInTotal = r.GetInt32(27),
        FanInPending = r.GetInt32(28),
        FanInFailed = r.GetInt32(29) != 0,
        TraceParent = r.GetText(30),
    };

    private static IReadOnlyList<string> ReadList(RawStatement r, int column) =>
        r.IsNull(column) ? [] : StoreJson.ReadStringArray(r.GetBlob(column));

    /// <summary>Reads a row selected with <see cref="Schema.Columns"/> starting at <paramref name="o"/>.</summary>
    public static CommandInstance ReadCommand(SqliteDataReader r, int o = 0) => new()
    {
        Id = ReadId(r, o),
        Name = r.GetString(o + 1),
        Status = (CommandStatus)r.GetInt32(o + 2),
        Payload = r.IsDBNull(o + 3) ? ReadOnlyMemory<byte>.Empty : r.GetFieldValue<byte[]>(o + 3),
        Attempt = r.GetInt32(o + 4),
        Retries = r.IsDBNull(o + 5) ? null : r.GetInt32(o + 5),
        Sequence = ReadList(r, o + 6),
        ParentId = ReadNullableId(r, o + 7),
        Priority = r.GetInt32(o + 8),
        Tags = ReadList(r, o + 9),
        UniqueKey = ReadText(r, o + 10),
        TraceId = ReadText(r, o + 11),
        CorrelationId = ReadText(r, o + 12),
        CreatedAt = ReadTime(r, o + 13),
        ReadyAt = ReadTime(r, o + 14),
        StartedAt = ReadNullableTime(r, o + 15),
        CompletedAt = ReadNullableTime(r, o + 16),
        DeadlineAt = ReadNullableTime(r, o + 17),
        Timeout = ReadSpan(r, o + 18),
        Period = ReadSpan(r, o + 19),
        Cron = ReadText(r, o + 20),
        CronTimeZone = ReadText(r, o + 21),
        Error = ReadText(r, o + 22),
        LeaseOwner = ReadText(r, o + 23),
        LeaseId = ReadNullableId(r, o + 24),
        LeaseExpiresAt = ReadNullableTime(r, o + 25),
        AwaitedBy = ReadNullableId(r, o + 26),
        FanInTotal = r.GetInt32(o + 27),
        FanInPending = r.GetInt32(o + 28),
        FanInFailed = r.GetInt32(o + 29) != 0,
        TraceParent = ReadText(r, o + 30),
    };

    /// <summary>Parameter names of an insert of every column, in <see cref="Schema.Columns"/> order.</summary>
    public static readonly string[] ParameterNames = Schema.Columns.Split(", ").Select(c => "@" + c).ToArray();
}
