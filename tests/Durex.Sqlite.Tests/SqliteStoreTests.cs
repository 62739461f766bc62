using System.Globalization;
using Durex.Sqlite;
using Durex.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Sqlite.Tests;

/// <summary>What only the SQLite store does: the file, its schema, persistence across reopen, transactional enqueue.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly TempDatabase _database = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Creates_the_file_in_WAL_mode_with_integer_timestamps()
    {
        await using (var store = new SqliteStore(_database.Path))
        {
            await store.InitializeAsync();
            await store.EnqueueAsync([NewCommand("a")]);
        }

        Assert.True(File.Exists(_database.Path));
        await using var connection = Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal("integer", Scalar(connection, "SELECT typeof(created_at) || '' FROM durex_commands"));
        Assert.Equal("integer", Scalar(connection, "SELECT typeof(ready_at) || '' FROM durex_commands"));
        Assert.Equal(3L, Scalar(connection, "SELECT max(version) FROM durex_schema_version"));
    }

    [Fact]
    public async Task Commands_history_and_timeouts_survive_a_reopen()
    {
        Guid id;
        await using (var store = new SqliteStore(_database.Path))
        await using (var executor = NewExecutor(store))
        {
            executor.Handle("flaky", (ctx, _) => ctx.Attempt == 1 ? throw new InvalidOperationException("first try fails") : ValueTask.FromResult(CommandResult.Empty),
                c => c.Retries(1));
            await executor.StartAsync();
            id = (await executor.AddAsync(new CommandSpec("flaky") { Timeout = TimeSpan.FromSeconds(7), Tags = { "t" } })).Id;
            await executor.WaitForIdleAsync().WaitAsync(HangGuard);
        }

        await using var reopened = new SqliteStore(_database.Path);
        await reopened.InitializeAsync();
        var command = Assert.IsType<CommandInstance>(await reopened.GetAsync(id));
        Assert.Equal(CommandStatus.Completed, command.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), command.Timeout);
        Assert.Equal(["t"], command.Tags);
        var history = await reopened.GetHistoryAsync(id);
        Assert.Equal(
            [HistoryEventType.Created, HistoryEventType.Started, HistoryEventType.Retrying, HistoryEventType.Started, HistoryEventType.Completed],
            history.Select(e => e.Type));
        Assert.Contains("first try fails", history[2].Error);
    }

    [Fact]
    public async Task Stores_starting_together_migrate_once()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteStore(_database.Path)).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(async () => await s.InitializeAsync())));
            await stores[0].InitializeAsync(); // idempotent
            await using var connection = Open();
            Assert.Equal(3L, Scalar(connection, "SELECT count(*) FROM durex_schema_version"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_database_from_a_newer_Durex_is_refused_with_a_clear_message()
    {
        await using (var store = new SqliteStore(_database.Path))
        {
            await store.InitializeAsync();
        }

        await using (var connection = Open())
        {
            Execute(connection, "INSERT INTO durex_schema_version (version) VALUES (99)");
        }

        await using var newer = new SqliteStore(_database.Path);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await newer.InitializeAsync());
        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    public async Task A_table_prefix_keeps_two_stores_apart_in_one_file()
    {
        await using var a = new SqliteStore(_database.Path, new SqliteStoreOptions { TablePrefix = "jobs_a_" });
        await using var b = new SqliteStore(_database.Path, new SqliteStoreOptions { TablePrefix = "jobs_b_" });
        await a.InitializeAsync();
        await b.InitializeAsync();
        var command = NewCommand("a");
        await a.EnqueueAsync([command]);
        Assert.NotNull(await a.GetAsync(command.Id));
        Assert.Null(await b.GetAsync(command.Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(":memory:")]
    [InlineData("Data Source=x.db;Mode=Memory")]
    public void Bad_paths_are_refused_with_a_clear_message(string path) =>
        Assert.ThrowsAny<ArgumentException>(() => new SqliteStore(path));

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("drop table;")]
    public void Bad_table_prefixes_are_refused(string prefix)
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteStore(_database.Path, new SqliteStoreOptions { TablePrefix = prefix }));
        Assert.Contains("TablePrefix", error.Message);
    }

    [Fact]
    public async Task The_claim_walks_its_index_instead_of_scanning_the_table()
    {
        await using var store = new SqliteStore(_database.Path);
        await store.InitializeAsync();
        await using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + store.ClaimCandidatesSql;
        command.Parameters.AddWithValue("@now", 0L);
        command.Parameters.AddWithValue("@names", "[\"a\"]");
        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.True(plan.Any(step => step.Contains("USING INDEX durex_commands_claim", StringComparison.Ordinal)), string.Join(" / ", plan));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN durex_commands", StringComparison.Ordinal) && !step.Contains("INDEX", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrating_a_version_2_database_with_rows_counts_them_exactly()
    {
        // A file as Durex with schema version 2 left it, holding 900 commands in every status.
        var schema = new Schema("durex_");
        using (var connection = Open())
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, $"CREATE TABLE {schema.Version} (version INTEGER NOT NULL)", transaction);
            for (var version = 1; version <= 2; version++)
            {
                Execute(connection, schema.Migrations[version - 1], transaction);
                Execute(connection, $"INSERT INTO {schema.Version} (version) VALUES ({version})", transaction);
            }

            Execute(connection, $"""
                WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < 899)
                INSERT INTO {schema.Commands} (id, name, status, payload, sequence, created_at, ready_at)
                SELECT randomblob(16), 'a', CASE WHEN i < 500 THEN 0 ELSE i % 9 END, x'7b7d', '[]', i, i FROM g
                """, transaction);
            transaction.Commit();
        }

        await using var store = new SqliteStore(_database.Path);
        await store.InitializeAsync();
        using (var connection = Open())
        {
            Assert.Equal(3L, Scalar(connection, $"SELECT max(version) FROM {schema.Version}"));
        }

        var expected = Enum.GetValues<CommandStatus>().ToDictionary(s => s, s => (long)Enumerable.Range(0, 900).Count(i => (i < 500 ? 0 : i % 9) == (int)s));
        var stats = await store.GetStatisticsAsync(new StatisticsRequest { Now = _time.GetUtcNow() });
        Assert.Equal(expected.OrderBy(p => p.Key), stats.Counts.OrderBy(p => p.Key));

        // The triggers keep them from here on.
        var claimed = await store.ClaimAsync(new ClaimRequest { Owner = "o", Limit = 10, Now = _time.GetUtcNow(), LeaseExpiresAt = _time.GetUtcNow().AddMinutes(1), Names = ["a"] });
        Assert.Equal(10, claimed.Count);
        await store.ApplyAsync(claimed.Select(c => new CommandOutcome
        {
            CommandId = c.Id, LeaseId = c.LeaseId!.Value, Status = CommandStatus.DeadLetter, Attempt = c.Attempt, CompletedAt = _time.GetUtcNow(),
        }).ToArray());
        stats = await store.GetStatisticsAsync(new StatisticsRequest { Now = _time.GetUtcNow() });
        Assert.Equal(expected[CommandStatus.Pending] - 10, stats.Counts[CommandStatus.Pending]);
        Assert.Equal(expected[CommandStatus.DeadLetter] + 10, stats.Counts[CommandStatus.DeadLetter]);
        Assert.Equal(900, stats.Total);
        using (var connection = Open())
        {
            Assert.Equal(expected[CommandStatus.DeadLetter] + 10, Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM {schema.Commands} WHERE status = 8")));
        }
    }

    [Theory]
    [InlineData("8")]
    [InlineData("5, 8")]
    [InlineData("5, 6, 7, 8")]
    public async Task Filters_on_rare_terminal_statuses_read_only_their_rows_from_the_terminal_index(string statuses)
    {
        await using var store = new SqliteStore(_database.Path);
        await store.InitializeAsync();
        var query = new CommandQuery { Statuses = statuses.Split(", ").Select(s => (CommandStatus)int.Parse(s, CultureInfo.InvariantCulture)).ToArray(), Limit = 50 };
        await store.FindAsync(query); // runs
        await using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + store.FindSql(query, command);
        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.True(plan.Any(step => step.Contains("USING INDEX durex_commands_terminal (status=?)", StringComparison.Ordinal)), string.Join(" / ", plan));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN durex_commands", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Executors_sharing_one_store_or_one_file_run_each_command_exactly_once()
    {
        const int commands = 4_000;
        await using var shared = new SqliteStore(_database.Path);
        await using var own = new SqliteStore(_database.Path);
        var runs = new System.Collections.Concurrent.ConcurrentDictionary<Guid, int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executors = new[] { shared, shared, shared, own }.Select(store =>
        {
            var executor = new Executor(store, o => o.Parallelism = 4); // real time: the executors race for claims
            executor.Handle("count", (ctx, _) =>
            {
                if (runs.AddOrUpdate(ctx.Id, 1, (_, n) => n + 1) == 1 && runs.Count == commands)
                {
                    done.TrySetResult();
                }

                return ValueTask.FromResult(CommandResult.Empty);
            });
            return executor;
        }).ToArray();
        try
        {
            foreach (var executor in executors)
            {
                await executor.StartAsync();
            }

            foreach (var chunk in Enumerable.Range(0, commands).Chunk(500))
            {
                await executors[0].AddManyAsync(chunk.Select(_ => new CommandSpec("count")));
            }

            await done.Task.WaitAsync(HangGuard);
            foreach (var executor in executors)
            {
                await executor.WaitForIdleAsync().WaitAsync(HangGuard);
            }
        }
        finally
        {
            foreach (var executor in executors)
            {
                await executor.DisposeAsync();
            }
        }

        Assert.Equal(commands, runs.Count);
        Assert.All(runs.Values, n => Assert.Equal(1, n));
        var stats = await shared.GetStatisticsAsync(new StatisticsRequest { Now = DateTimeOffset.UtcNow });
        Assert.Equal(commands, stats.Counts[CommandStatus.Completed]);
    }

    // ------------------------------------------------------------------ transactional enqueue

    [Fact]
    public async Task A_command_added_in_a_committed_transaction_runs_and_the_commit_wakes_the_executor()
    {
        await using var store = new SqliteStore(_database.Path);
        await using var executor = NewExecutor(store);
        var ran = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        executor.Handle("receipt", (ctx, _) =>
        {
            ran.TrySetResult(ctx.Id);
            return ValueTask.FromResult(CommandResult.Empty);
        });
        await executor.StartAsync();
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);

        await using var connection = Open();
        Execute(connection, "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
        CommandInstance added;
        using (var transaction = connection.BeginTransaction())
        {
            Execute(connection, "INSERT INTO orders (id) VALUES (42)", transaction);
            added = await executor.AddAsync(new CommandSpec("receipt") { Data = { ["orderId"] = 42 } }, transaction);
            Assert.Null(await store.GetAsync(added.Id)); // invisible until commit
            transaction.Commit();
        }

        // The fake clock never reaches the poll interval: only the commit hook can have woken the producer.
        Assert.Equal(added.Id, await ran.Task.WaitAsync(HangGuard));
    }

    [Fact]
    public async Task A_command_added_in_a_rolled_back_transaction_does_not_exist()
    {
        await using var store = new SqliteStore(_database.Path);
        await using var executor = NewExecutor(store);
        await store.InitializeAsync();
        await using var connection = Open();
        CommandInstance added;
        using (var transaction = connection.BeginTransaction())
        {
            added = await executor.AddAsync(new CommandSpec("receipt"), transaction);
            transaction.Rollback();
        }

        Assert.Null(await store.GetAsync(added.Id));
        Assert.Equal(0, (await store.GetStatisticsAsync(new StatisticsRequest { Now = _time.GetUtcNow() })).Total);
    }

    [Fact]
    public async Task A_duplicate_key_in_a_transaction_adds_nothing_and_leaves_the_transaction_usable()
    {
        await using var store = new SqliteStore(_database.Path);
        await using var executor = NewExecutor(store);
        var held = await executor.AddAsync(new CommandSpec("sync") { UniqueKey = "sync:1" });
        await using var connection = Open();
        using var transaction = connection.BeginTransaction();
        Execute(connection, "CREATE TABLE audit (line TEXT)", transaction);
        var error = await Assert.ThrowsAsync<DuplicateCommandException>(async () =>
            await executor.AddManyAsync([new CommandSpec("other"), new CommandSpec("sync") { UniqueKey = "sync:1" }], transaction));
        Assert.Equal(held.Id, error.ExistingId);
        Execute(connection, "INSERT INTO audit (line) VALUES ('still usable')", transaction);
        transaction.Commit();

        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM audit"));
        Assert.Equal(1, (await store.GetStatisticsAsync(new StatisticsRequest { Now = _time.GetUtcNow() })).Total);
    }

    [Fact]
    public async Task Transactional_enqueue_needs_a_sqlite_store()
    {
        await using var executor = new Executor(new MemoryStore());
        await using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await executor.AddAsync(new CommandSpec("x"), transaction));
        Assert.Contains("SqliteStore", error.Message);
    }

    private Executor NewExecutor(SqliteStore store) => new(store, o =>
    {
        o.TimeProvider = _time;
        o.Parallelism = 2;
    });

    private CommandInstance NewCommand(string name) => new()
    {
        Id = CommandIds.New(_time.GetUtcNow()),
        Name = name,
        CreatedAt = _time.GetUtcNow(),
        ReadyAt = _time.GetUtcNow(),
    };

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _database.Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
