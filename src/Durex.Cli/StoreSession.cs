using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Durex.Cli;

/// <summary>Settings that say where in the database Durex's tables are (the application's store options).</summary>
internal sealed record StoreLayout(string? Schema, string? TablePrefix);

/// <summary>What <c>durex migrate</c> did.</summary>
internal sealed record MigrateResult(string Description, int PreviousVersion, int Version);

/// <summary>
/// An opened store with an executor over it that is never started: the executor is the public API for queries and
/// actions, and as it never starts it claims nothing, runs nothing and runs no retention.
/// </summary>
internal sealed class StoreSession : IAsyncDisposable
{
    private StoreSession(ICommandStore store, Executor executor, string description)
    {
        Store = store;
        Executor = executor;
        Description = description;
    }

    public ICommandStore Store { get; }

    public Executor Executor { get; }

    /// <summary>The store for messages (never a password).</summary>
    public string Description { get; }

    /// <summary>
    /// Opens a store that already has Durex's tables. Nothing is created: a missing SQLite file or a database without the
    /// schema is an error that points at <c>durex migrate</c>. An older schema is upgraded, as every Durex process does
    /// when it opens a store.
    /// </summary>
    public static async Task<StoreSession> OpenAsync(StoreTarget target, StoreLayout layout, TimeProvider time, CancellationToken cancellationToken)
    {
        var (store, description) = Create(target, layout);
        try
        {
            try
            {
                if (store is SqliteStore sqlite && !File.Exists(sqlite.DataSource))
                {
                    throw CliException.Store($"The SQLite database '{Path.GetFullPath(sqlite.DataSource)}' does not exist. Check the path (from {target.Origin}), " +
                        $"or create it with: durex migrate --sqlite {Quote(target.Value)}");
                }

                var version = await ReadVersionAsync(store, layout, cancellationToken).ConfigureAwait(false);
                if (version == 0)
                {
                    throw CliException.Store($"{description} has no Durex tables{Where(target, layout)}. Create them with `durex migrate`, " +
                        "or check the store and the --schema / --table-prefix your application uses.");
                }

                CheckNotNewer(store, version, description);
                await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException and not CliException)
            {
                // Anything that goes wrong before the store answered is about the store: unreachable, refused, not a database.
                throw Unusable(description, target, e);
            }

            var executor = new Executor(store, o =>
            {
                o.TimeProvider = time;
                o.Retention.CleanupInterval = null;
                o.InstanceName = FormattableString.Invariant($"durex-cli:{Environment.MachineName}:{Environment.ProcessId}");
            });
            return new StoreSession(store, executor, description);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates or upgrades the schema (and a SQLite file) and reports the versions before and after.</summary>
    public static async Task<MigrateResult> MigrateAsync(StoreTarget target, StoreLayout layout, Progress progress, TimeProvider time, CancellationToken cancellationToken)
    {
        var (store, description) = Create(target, layout);
        await using (store.ConfigureAwait(false))
        {
            try
            {
                if (store is SqliteStore sqlite)
                {
                    var folder = Path.GetDirectoryName(Path.GetFullPath(sqlite.DataSource));
                    if (folder is not null && !Directory.Exists(folder))
                    {
                        throw CliException.Store($"Cannot create the SQLite database '{Path.GetFullPath(sqlite.DataSource)}': the folder '{folder}' does not exist. Create it first.");
                    }
                }

                var before = store is SqliteStore s && !File.Exists(s.DataSource) ? 0 : await ReadVersionAsync(store, layout, cancellationToken).ConfigureAwait(false);
                CheckNotNewer(store, before, description);
                using (progress.Tick(before == 0 ? "creating the schema" : "migrating", time))
                {
                    await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
                }

                var after = await ReadVersionAsync(store, layout, cancellationToken).ConfigureAwait(false);
                return new MigrateResult(description, before, after);
            }
            catch (Exception e) when (e is not OperationCanceledException and not CliException)
            {
                throw Unusable(description, target, e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Executor.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Failures of the database or its connection, as opposed to bugs or the user's interruption.</summary>
    public static bool IsStoreFailure(Exception e) =>
        e is DbException or SocketException or TimeoutException
        || (e.InnerException is { } inner && IsStoreFailure(inner));

    private static CliException Unusable(string description, StoreTarget target, Exception e) => CliException.Store(
        $"Cannot use {description}: {Text.Sentence(e.Message)} " +
        (target.Kind == StoreKind.Postgres
            ? $"Check the connection string (from {target.Origin}) and that the server is running and reachable."
            : $"Check the path (from {target.Origin}) and that the file is a SQLite database you may read and write."), e);

    private static (ICommandStore Store, string Description) Create(StoreTarget target, StoreLayout layout)
    {
        if (target.Kind == StoreKind.Sqlite)
        {
            if (layout.Schema is not null)
            {
                throw CliException.Usage("--schema applies to PostgreSQL only: SQLite has no schemas (use --table-prefix if your application sets one).");
            }

            SqliteConnectionStringBuilder builder;
            try
            {
                builder = target.Value.Contains('=', StringComparison.Ordinal)
                    ? new SqliteConnectionStringBuilder(target.Value)
                    : new SqliteConnectionStringBuilder { DataSource = target.Value };
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw CliException.Usage($"The SQLite connection string from {target.Origin} is invalid: {Text.Sentence(e.Message)} Give a file path or 'Data Source=PATH'.");
            }

            try
            {
                var store = new SqliteStore(builder, new SqliteStoreOptions { TablePrefix = layout.TablePrefix ?? "durex_" });
                return (store, $"the SQLite database '{Path.GetFullPath(store.DataSource)}'");
            }
            catch (ArgumentException e)
            {
                throw CliException.Usage($"Cannot open the SQLite store from {target.Origin}: {Text.Sentence(e.Message)}");
            }
        }

        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(target.Value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException) // an unknown keyword is a KeyNotFoundException
        {
            throw CliException.Usage($"The PostgreSQL connection string from {target.Origin} is invalid: {Text.Sentence(e.Message)} " +
                "Use key=value pairs, e.g. \"Host=localhost;Port=5432;Username=app;Password=…;Database=app\".");
        }

        try
        {
            var options = new PostgresStoreOptions { Schema = layout.Schema ?? "durex", TablePrefix = layout.TablePrefix ?? "" };
            var store = new PostgresStore(target.Value, options);
            var host = string.IsNullOrEmpty(connection.Host) ? "localhost" : connection.Host;
            var database = string.IsNullOrEmpty(connection.Database) ? connection.Username ?? "" : connection.Database;
            return (store, string.Create(CultureInfo.InvariantCulture, $"the PostgreSQL database '{database}' on {host}:{connection.Port} (schema {options.Schema})"));
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"Cannot open the PostgreSQL store from {target.Origin}: {Text.Sentence(e.Message)}");
        }
    }

    private static async Task<int> ReadVersionAsync(ICommandStore store, StoreLayout layout, CancellationToken cancellationToken)
    {
        if (store is PostgresStore postgres)
        {
            return await postgres.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
        }

        // SqliteStore has no version API: read the table its migrations record versions in. ReadWrite never creates the file.
        var sqlite = (SqliteStore)store;
        var table = (layout.TablePrefix ?? "durex_") + "schema_version";
        var builder = new SqliteConnectionStringBuilder { DataSource = sqlite.DataSource, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $table";
        exists.Parameters.AddWithValue("$table", table);
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        await using var version = connection.CreateCommand();
        version.CommandText = $"SELECT coalesce(max(version), 0) FROM \"{table}\"";
        return Convert.ToInt32(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>PostgresStore applies only the versions it lacks, so a newer database is caught here rather than used.</summary>
    private static void CheckNotNewer(ICommandStore store, int version, string description)
    {
        if (store is PostgresStore postgres && version > postgres.LatestSchemaVersion)
        {
            throw CliException.Store($"{description} has Durex schema version {version}, newer than this durex tool knows ({postgres.LatestSchemaVersion}). Upgrade the tool: dotnet tool update -g Durex.Cli");
        }
    }

    private static string Where(StoreTarget target, StoreLayout layout) =>
        target.Kind == StoreKind.Sqlite
            ? $" (tables prefixed '{layout.TablePrefix ?? "durex_"}')"
            : layout.TablePrefix is { Length: > 0 } prefix ? $" (tables prefixed '{prefix}')" : "";

    private static string Quote(string text) => text.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or ';' or '$' or '&') ? "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'" : text;
}
