using System.Buffers;
using System.Text;
using System.Text.Json;
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
    public static object List(IReadOnlyCollection<string> items)
    {
        if (items.Count == 0)
        {
            return DBNull.Value;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyList<string> ReadList(SqliteDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return [];
        }

        var json = Encoding.UTF8.GetBytes(reader.GetString(ordinal));
        var items = new List<string>();
        var parser = new Utf8JsonReader(json);
        while (parser.Read())
        {
            if (parser.TokenType == JsonTokenType.String)
            {
                items.Add(parser.GetString()!);
            }
        }

        return items;
    }

    /// <summary>Binds every column of <paramref name="c"/> to an insert's parameters, added in <see cref="Schema.Columns"/> order.</summary>
    public static void Bind(SqliteParameterCollection p, CommandInstance c)
    {
        p[0].Value = Id(c.Id);
        p[1].Value = c.Name;
        p[2].Value = (int)c.Status;
        p[3].Value = c.Payload.IsEmpty ? DBNull.Value : c.Payload.ToArray();
        p[4].Value = c.Attempt;
        p[5].Value = c.Retries is { } retries ? retries : DBNull.Value;
        p[6].Value = List(c.Sequence);
        p[7].Value = Id(c.ParentId);
        p[8].Value = c.Priority;
        p[9].Value = List(c.Tags);
        p[10].Value = Text(c.UniqueKey);
        p[11].Value = Text(c.TraceId);
        p[12].Value = Text(c.CorrelationId);
        p[13].Value = Time(c.CreatedAt);
        p[14].Value = Time(c.ReadyAt);
        p[15].Value = Time(c.StartedAt);
        p[16].Value = Time(c.CompletedAt);
        p[17].Value = Time(c.DeadlineAt);
        p[18].Value = Span(c.Timeout);
        p[19].Value = Span(c.Period);
        p[20].Value = Text(c.Cron);
        p[21].Value = Text(c.CronTimeZone);
        p[22].Value = Text(c.Error);
        p[23].Value = Text(c.LeaseOwner);
        p[24].Value = Id(c.LeaseId);
        p[25].Value = Time(c.LeaseExpiresAt);
        p[26].Value = Id(c.AwaitedBy);
        p[27].Value = c.FanInTotal;
        p[28].Value = c.FanInPending;
        p[29].Value = c.FanInFailed ? 1 : 0;
    }

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
    };

    /// <summary>Parameter names of an insert of every column, in <see cref="Schema.Columns"/> order.</summary>
    public static readonly string[] ParameterNames = Schema.Columns.Split(", ").Select(c => "@" + c).ToArray();
}
