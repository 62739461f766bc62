using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Durex.Sqlite;

/// <summary>
/// A prepared statement bound by parameter index, for the hot write paths. <see cref="SqliteCommand"/> binds every
/// parameter by name on each execution (a name lookup in SQLite and a UTF-8 conversion per parameter), which cost about
/// as much as the statements themselves on claims, applies and history inserts. Used on one connection at a time.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _stmt);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_stmt, index, value));

    public void Bind(int index, long? value) => Check(value is { } v ? raw.sqlite3_bind_int64(_stmt, index, v) : raw.sqlite3_bind_null(_stmt, index));

    public void Bind(int index, string? value) => Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_text(_stmt, index, value));

    /// <summary>Binds a blob (null binds NULL, as an empty blob would not).</summary>
    public void BindBlob(int index, ReadOnlySpan<byte> value, bool isNull = false) =>
        Check(isNull ? raw.sqlite3_bind_null(_stmt, index)
            : value.IsEmpty ? raw.sqlite3_bind_zeroblob(_stmt, index, 0)
            : raw.sqlite3_bind_blob(_stmt, index, value));

    public void Bind(int index, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        Check(raw.sqlite3_bind_blob(_stmt, index, bytes));
    }

    public void Bind(int index, Guid? value)
    {
        if (value is { } id)
        {
            Bind(index, id);
        }
        else
        {
            BindNull(index);
        }
    }

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_stmt, index));

    /// <summary>Steps once: true when a row is available.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        raw.sqlite3_reset(_stmt);
        SqliteException.ThrowExceptionForRC(rc, _db);
        return false;
    }

    /// <summary>Runs to completion; returns the rows changed.</summary>
    public int Execute()
    {
        try
        {
            while (Step())
            {
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Makes the statement ready for the next execution (bindings are kept and overwritten).</summary>
    public void Reset() => raw.sqlite3_reset(_stmt);

    public bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;

    /// <summary>The storage class of the value in <paramref name="column"/> (<c>raw.SQLITE_INTEGER</c>, …): SQLite columns accept any type.</summary>
    public int ColumnType(int column) => raw.sqlite3_column_type(_stmt, column);

    /// <summary>The value as SQLite holds it: <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, a byte array or null.</summary>
    public object? GetValue(int column) => ColumnType(column) switch
    {
        raw.SQLITE_INTEGER => GetInt64(column),
        raw.SQLITE_FLOAT => raw.sqlite3_column_double(_stmt, column),
        raw.SQLITE_TEXT => GetString(column),
        raw.SQLITE_BLOB => GetBlob(column).ToArray(),
        _ => null,
    };

    public long GetInt64(int column) => raw.sqlite3_column_int64(_stmt, column);

    public int GetInt32(int column) => raw.sqlite3_column_int(_stmt, column);

    public string GetString(int column) => Encoding.UTF8.GetString(raw.sqlite3_column_blob(_stmt, column));

    public string? GetText(int column) => IsNull(column) ? null : GetString(column);

    public ReadOnlySpan<byte> GetBlob(int column) => raw.sqlite3_column_blob(_stmt, column);

    public Guid GetId(int column) => new(raw.sqlite3_column_blob(_stmt, column), bigEndian: true);

    public Guid? GetNullableId(int column) => IsNull(column) ? null : GetId(column);

    public DateTimeOffset GetTime(int column) => new(GetInt64(column), TimeSpan.Zero);

    public DateTimeOffset? GetNullableTime(int column) => IsNull(column) ? null : GetTime(column);

    public TimeSpan? GetSpan(int column) => IsNull(column) ? null : TimeSpan.FromTicks(GetInt64(column));

    public void Dispose() => _stmt.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
