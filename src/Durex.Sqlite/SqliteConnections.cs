using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Durex.Sqlite;

/// <summary>
/// The store's connections: one writer, used under an async lock so writes of this process queue in memory instead of
/// spinning on SQLite's busy handler, and a pool of readers (WAL lets them read while the writer writes).
/// </summary>
internal sealed class SqliteConnections : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteStoreOptions _options;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentBag<SqliteConnection> _readers = [];
    private SqliteConnection? _writer;
    private Writer? _writerCommands;
    private bool _disposed;

    public SqliteConnections(SqliteConnectionStringBuilder builder, SqliteStoreOptions options)
    {
        _options = options;
        builder.Pooling = false; // this class pools; disposing the store must close the file
        builder.DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds);
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    public string DataSource { get; }

    /// <summary>Runs <paramref name="work"/> in a <c>BEGIN IMMEDIATE</c> transaction on the writer; rolls back if it throws.</summary>
    public async ValueTask<T> WriteAsync<T>(Func<Writer, T> work, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var writer = _writerCommands ??= new Writer(_writer = Open());
            writer.Execute("BEGIN IMMEDIATE");
            try
            {
                var result = work(writer);
                writer.Execute("COMMIT");
                return result;
            }
            catch
            {
                if (!_writer!.AutoCommit())
                {
                    writer.Execute("ROLLBACK");
                }

                throw;
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled reader connection.</summary>
    public T Read<T>(Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_readers.TryTake(out var connection))
        {
            connection = Open();
        }

        try
        {
            return work(connection);
        }
        finally
        {
            if (_disposed)
            {
                connection.Dispose();
            }
            else
            {
                _readers.Add(connection);
            }
        }
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Configure(connection, _options);
        return connection;
    }

    /// <summary>Per-connection settings, also applied to a caller's connection for a transactional enqueue.</summary>
    public static void Configure(SqliteConnection connection, SqliteStoreOptions options)
    {
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = {(options.RelaxedDurability ? "NORMAL" : "FULL")};");
        command.ExecuteNonQuery();
        connection.CreateFunction("durex_icontains", (string? text, string search) =>
            text is not null && text.Contains(search, StringComparison.OrdinalIgnoreCase), isDeterministic: true);
        connection.CreateFunction("durex_icontains_blob", (byte[]? utf8, string search) =>
            utf8 is not null && System.Text.Encoding.UTF8.GetString(utf8).Contains(search, StringComparison.OrdinalIgnoreCase), isDeterministic: true);
    }

    public void Dispose()
    {
        _writeGate.Wait();
        try
        {
            _disposed = true;
            _writerCommands?.Dispose();
            _writer?.Dispose();
            while (_readers.TryTake(out var reader))
            {
                reader.Dispose();
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The writer connection with its prepared commands, cached by SQL text (SQLite prepares each once).</summary>
    internal sealed class Writer(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
        private readonly Dictionary<string, RawStatement> _statements = new(StringComparer.Ordinal);

        public SqliteConnection Connection => connection;

        /// <summary>A cached statement bound by index (see <see cref="RawStatement"/>).</summary>
        public RawStatement Statement(string sql)
        {
            if (!_statements.TryGetValue(sql, out var statement))
            {
                statement = new RawStatement(connection, sql);
                _statements[sql] = statement;
            }

            return statement;
        }

        public SqliteCommand Command(string sql)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                _commands[sql] = command;
            }

            return command;
        }

        public int Execute(string sql) => Command(sql).ExecuteNonQuery();

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            _commands.Clear();
            foreach (var statement in _statements.Values)
            {
                statement.Dispose();
            }

            _statements.Clear();
        }
    }
}

internal static class SqliteConnectionExtensions
{
    /// <summary>True when no transaction is open on the connection.</summary>
    public static bool AutoCommit(this SqliteConnection connection) =>
        connection.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) != 0;

    /// <summary>Sets a parameter, adding it the first time (commands are cached and reused).</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
        else
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
