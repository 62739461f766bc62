using System.Globalization;
using System.Text;
using System.Text.Json;
using Durex.Storage;
using Microsoft.Data.Sqlite;

namespace Durex.Sqlite;

/// <summary>Conversions between commands and rows: ids, times, string lists.</summary>
internal static class Rows
{
    public static byte[] Id(Guid id) => id.ToByteArray(bigEndian: true);

    public static object Id(Guid? id) => id is { } value ? Id(value) : DBNull.Value;

    public static Guid ReadId(SqliteDataReader reader, int ordinal) => new(reader.GetFieldValue<byte[]>(ordinal), bigEndian: true);

    /// <summary>
    /// An id column read without trusting it: a value that is not a 16-byte blob (written outside Durex) becomes a
    /// stand-in made of its first 16 bytes, so paging, rescue and unique-key checks go on instead of throwing.
    /// </summary>
    public static Guid ReadIdLenient(SqliteDataReader reader, int ordinal) => IdOrStandIn(reader.GetValue(ordinal));

    /// <summary>See <see cref="ReadIdLenient(SqliteDataReader, int)"/>.</summary>
    public static Guid IdOrStandIn(object? value)
    {
        if (value is byte[] { Length: 16 } id)
        {
            return new Guid(id, bigEndian: true);
        }

        var bytes = value switch
        {
            byte[] blob => blob,
            string text => Encoding.UTF8.GetBytes(text),
            null or DBNull => [],
            _ => Encoding.UTF8.GetBytes(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
        };
        Span<byte> standIn = stackalloc byte[16];
        bytes.AsSpan(0, Math.Min(16, bytes.Length)).CopyTo(standIn);
        return new Guid(standIn, bigEndian: true);
    }

    /// <summary>Ticks as a time, clamped to the representable range (a stored value out of range is not worth a crash).</summary>
    public static DateTimeOffset ClampedTime(long ticks) =>
        new(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);

    /// <summary>
    /// SQL predicate: the row's tags hold <c>@tag</c>. <c>json_each</c> raises an error on text that is not JSON, which
    /// would fail the whole query for one row written outside Durex: the CASE guarantees it only sees valid JSON.
    /// </summary>
    public const string HasTag = "CASE WHEN tags IS NOT NULL AND json_valid(tags) THEN EXISTS (SELECT 1 FROM json_each(tags) WHERE value = @tag) ELSE 0 END";

    /// <summary>SQL predicate true for rows whose id Durex can read: only those are claimed or cancelled by tag.</summary>
    public const string ReadableId = "typeof(id) = 'blob' AND length(id) = 16";

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

    /// <summary>
    /// Reads the current row of a statement selecting <see cref="Schema.Columns"/>. A row Durex did not write the way it
    /// reads it (an unknown status, a list column that is not JSON, a bad id or time) is salvaged, not thrown: see
    /// <see cref="CommandInstance.ReadError"/>.
    /// </summary>
    public static CommandInstance ReadCommand(RawStatement r)
    {
        // SQLite's integer accessors convert anything (text reads as 0, i.e. PENDING), so the status's type is checked.
        if (r.ColumnType(2) == SQLitePCL.raw.SQLITE_INTEGER && IsStatus(r.GetInt64(2)))
        {
            try
            {
                return ReadValidCommand(r);
            }
            catch (Exception ex) when (IsDecodeFailure(ex))
            {
            }
        }

        var values = new object?[ColumnCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = r.GetValue(i);
        }

        return new Salvage(values).Command();
    }

    private static CommandInstance ReadValidCommand(RawStatement r) => new()
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

    /// <summary>Reads a row selected with <see cref="Schema.Columns"/> starting at <paramref name="o"/>; salvages a bad row (see <see cref="ReadCommand(RawStatement)"/>).</summary>
    public static CommandInstance ReadCommand(SqliteDataReader r, int o = 0)
    {
        if (r.GetValue(o + 2) is long status && IsStatus(status))
        {
            try
            {
                return ReadValidCommand(r, o);
            }
            catch (Exception ex) when (IsDecodeFailure(ex))
            {
            }
        }

        var values = new object?[ColumnCount];
        for (var i = 0; i < values.Length; i++)
        {
            var value = r.GetValue(o + i);
            values[i] = value is DBNull ? null : value;
        }

        return new Salvage(values).Command();
    }

    private static CommandInstance ReadValidCommand(SqliteDataReader r, int o) => new()
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

    private static readonly string[] ColumnNames = Schema.Columns.Split(", ");

    private static int ColumnCount => ColumnNames.Length;

    private static bool IsStatus(long value) => value is >= (long)CommandStatus.Pending and <= (long)CommandStatus.DeadLetter;

    /// <summary>The exceptions decoding a stored value throws (bad id length, time out of range, list that is not JSON).</summary>
    private static bool IsDecodeFailure(Exception ex) =>
        ex is ArgumentException or FormatException or JsonException or InvalidCastException or OverflowException;

    /// <summary>
    /// Reads each column of a row on its own: what decodes is kept, what does not gets a default and a line in
    /// <see cref="CommandInstance.ReadError"/>. Only rows the strict reader refused come here, so it may be slow; it never throws.
    /// </summary>
    private sealed class Salvage(object?[] values)
    {
        private List<string>? _problems;

        public CommandInstance Command() => new()
        {
            Id = Id(0) ?? Rows.IdOrStandIn(values[0]),
            Name = Text(1) ?? "",
            Status = Status(2),
            Payload = Payload(3),
            Attempt = Int(4) ?? 0,
            Retries = Int(5),
            Sequence = List(6),
            ParentId = Id(7),
            Priority = Int(8) ?? 0,
            Tags = List(9),
            UniqueKey = Text(10),
            TraceId = Text(11),
            CorrelationId = Text(12),
            CreatedAt = Time(13) ?? DateTimeOffset.MinValue,
            ReadyAt = Time(14) ?? DateTimeOffset.MinValue,
            StartedAt = Time(15),
            CompletedAt = Time(16),
            DeadlineAt = Time(17),
            Timeout = Span(18),
            Period = Span(19),
            Cron = Text(20),
            CronTimeZone = Text(21),
            Error = Text(22),
            LeaseOwner = Text(23),
            LeaseId = Id(24),
            LeaseExpiresAt = Time(25),
            AwaitedBy = Id(26),
            FanInTotal = Int(27) ?? 0,
            FanInPending = Int(28) ?? 0,
            FanInFailed = (Int(29) ?? 0) != 0,
            TraceParent = Text(30),
            // Last: initializers run in order, so every column has reported its problem by now. The strict reader refused
            // the row, so there is one; the fallback covers a value that failed there and decodes here.
            ReadError = "the stored row is not one Durex can read: " +
                        (_problems is null ? "a value could not be decoded" : string.Join("; ", _problems)) + ".",
        };

        private void Problem(int column, string what) =>
            (_problems ??= []).Add($"column {ColumnNames[column]} holds {Show(values[column])}, {what}");

        private static string Show(object? value) => value switch
        {
            null => "NULL",
            byte[] blob => $"a {blob.Length}-byte blob",
            string text => $"'{(text.Length <= 60 ? text : text[..60] + "…")}'",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
        };

        private CommandStatus Status(int column)
        {
            if (values[column] is long value && IsStatus(value))
            {
                return (CommandStatus)value;
            }

            Problem(column, "not a command status (0 to 8); shown as FAILED");
            return CommandStatus.Failed;
        }

        private Guid? Id(int column)
        {
            switch (values[column])
            {
                case null:
                    return null;
                case byte[] { Length: 16 } id:
                    return new Guid(id, bigEndian: true);
                default:
                    Problem(column, "not a 16-byte id");
                    return null;
            }
        }

        private string? Text(int column) => values[column] switch
        {
            null => null,
            string text => text,
            byte[] blob => Encoding.UTF8.GetString(blob),
            var other => Convert.ToString(other, CultureInfo.InvariantCulture),
        };

        private int? Int(int column)
        {
            switch (values[column])
            {
                case null:
                    return null;
                case long value when value is >= int.MinValue and <= int.MaxValue:
                    return (int)value;
                default:
                    Problem(column, "not a 32-bit integer");
                    return null;
            }
        }

        private DateTimeOffset? Time(int column)
        {
            switch (values[column])
            {
                case null:
                    return null;
                case long ticks when ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks:
                    return new DateTimeOffset(ticks, TimeSpan.Zero);
                case long ticks:
                    // Clamped rather than dropped, so keyset paging past this row stays on the right side of it.
                    Problem(column, "not a time (UTC ticks from 0001 to 9999)");
                    return Rows.ClampedTime(ticks);
                default:
                    Problem(column, "not a time (UTC ticks from 0001 to 9999)");
                    return null;
            }
        }

        private TimeSpan? Span(int column)
        {
            switch (values[column])
            {
                case null:
                    return null;
                case long ticks:
                    return TimeSpan.FromTicks(ticks);
                default:
                    Problem(column, "not a duration in ticks");
                    return null;
            }
        }

        private IReadOnlyList<string> List(int column)
        {
            var json = values[column] switch
            {
                null => null,
                string text => Encoding.UTF8.GetBytes(text),
                byte[] blob => blob,
                _ => [],
            };
            if (json is null)
            {
                return [];
            }

            try
            {
                if (json.Length > 0)
                {
                    return StoreJson.ReadStringArray(json);
                }
            }
            catch (JsonException)
            {
            }

            Problem(column, "not a JSON array of strings");
            return [];
        }

        private ReadOnlyMemory<byte> Payload(int column) => values[column] switch
        {
            null => ReadOnlyMemory<byte>.Empty,
            byte[] blob => blob,
            string text => Encoding.UTF8.GetBytes(text),
            var other => Encoding.UTF8.GetBytes(Convert.ToString(other, CultureInfo.InvariantCulture) ?? ""),
        };
    }
}
