using System.Collections.Concurrent;
using Durex.Conformance;
using Durex.Storage;
using Npgsql;
using NpgsqlTypes;
using Xunit.Abstractions;

namespace Durex.PostgreSql.Tests;

/// <summary>What only PostgreSQL has: migrations, the claim plan, NOTIFY across instances, transactional enqueue, COPY, many instances.</summary>
public sealed class PostgresStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);
    private static readonly DateTimeOffset Epoch = StoreTestBase.Epoch;
    private readonly TestSchema _schema = new();
    private readonly List<Executor> _executors = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var executor in _executors)
        {
            using var abandon = new CancellationTokenSource(HangGuard);
            await executor.StopAsync(abandon.Token);
        }

        await _schema.DisposeAsync();
    }

    private async Task<PostgresStore> StoreAsync()
    {
        var store = _schema.CreateStore();
        await store.InitializeAsync();
        return store;
    }

    private Executor NewExecutor(ICommandStore store, Action<ExecutorOptions>? configure = null)
    {
        var executor = new Executor(store, o =>
        {
            o.InstanceName = $"pg-test-{_executors.Count + 1}";
            configure?.Invoke(o);
        });
        _executors.Add(executor);
        return executor;
    }

    private static CommandInstance New(string name = "a", Action<Builder>? configure = null)
    {
        var builder = new Builder(name, Epoch);
        configure?.Invoke(builder);
        return builder.Build();
    }

    // ---------------------------------------------------------------- migrations

    [SkippableFact]
    public async Task Migrations_are_idempotent_and_safe_when_instances_start_together()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => _schema.CreateStore()).ToArray();
        Assert.Equal(0, await stores[0].GetSchemaVersionAsync());
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inits = stores.Select(s => Task.Run(async () =>
        {
            await start.Task;
            await s.InitializeAsync();
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(inits).WaitAsync(HangGuard);

        await stores[1].InitializeAsync(); // again: nothing to do
        Assert.Equal(stores[0].LatestSchemaVersion, await stores[2].GetSchemaVersionAsync());
        Assert.Equal(stores[0].LatestSchemaVersion,
            await _schema.ScalarAsync($"SELECT count(*) FROM \"{_schema.Name}\".schema_version"));
        await stores[3].EnqueueAsync([New()]);
        Assert.NotNull((await stores[0].FindAsync(new CommandQuery())).Items.SingleOrDefault());
    }

    [SkippableFact]
    public async Task Table_prefix_keeps_two_installations_apart_in_one_schema()
    {
        var first = _schema.CreateStore(o => o.TablePrefix = "one_");
        var second = _schema.CreateStore(o => o.TablePrefix = "two_");
        await first.InitializeAsync();
        await second.InitializeAsync();
        await first.EnqueueAsync([New()]);
        Assert.Single((await first.FindAsync(new CommandQuery())).Items);
        Assert.Empty((await second.FindAsync(new CommandQuery())).Items);
        Assert.NotEqual(first.NotificationChannel, second.NotificationChannel);
    }

    [SkippableFact]
    public async Task Migrating_a_version_2_schema_with_rows_counts_them_exactly()
    {
        // A schema as Durex with version 2 left it, holding 9,000 commands in every status.
        var schema = new Schema(new PostgresStoreOptions { Schema = _schema.Name });
        await using (var connection = await _schema.OpenAdminConnectionAsync())
        {
            var sql = new System.Text.StringBuilder($"""
                CREATE SCHEMA {schema.QuotedSchema};
                CREATE TABLE {schema.Versions} (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
                """);
            foreach (var (version, description, migration) in schema.Migrations().Where(m => m.Version <= 2))
            {
                sql.AppendLine(migration + ";").AppendLine($"INSERT INTO {schema.Versions} (version, description) VALUES ({version}, '{description}');");
            }

            sql.AppendLine($"""
                INSERT INTO {schema.Commands} (id, name, status, payload, attempt, sequence, priority, tags, created_at, ready_at,
                                              fan_in_total, fan_in_pending, fan_in_failed)
                SELECT gen_random_uuid(), 'a', (ARRAY['PENDING','WAITING','STARTED','REPEATING','COMPLETED','FAILED','EXPIRED','CANCELLED','DEAD_LETTER'])[1 + CASE WHEN g < 5000 THEN 0 ELSE g % 9 END],
                       '\x7b7d', 0, '{"{}"}', 0, '{"{}"}', t, t, 0, 0, false
                FROM (SELECT g, timestamptz '2025-01-01' + g * interval '1 millisecond' AS t FROM generate_series(0, 8999) g) s;
                """);
            await using var create = new NpgsqlCommand(sql.ToString(), connection);
            await create.ExecuteNonQueryAsync();
        }

        var store = _schema.CreateStore();
        Assert.Equal(2, await store.GetSchemaVersionAsync());
        await store.InitializeAsync();
        Assert.Equal(3, await store.GetSchemaVersionAsync());
        var expected = Enum.GetValues<CommandStatus>().ToDictionary(s => s, s => (long)Enumerable.Range(0, 9000).Count(g => (g < 5000 ? 0 : g % 9) == (int)s));
        var stats = await store.GetStatisticsAsync(new StatisticsRequest { Now = Epoch });
        Assert.Equal(expected.OrderBy(p => p.Key), stats.Counts.OrderBy(p => p.Key));
        Assert.Equal(Schema.CountShards, await _schema.ScalarAsync($"SELECT count(*) FROM {schema.Counts}"));

        // The triggers keep them from here on, whatever writes (here: the store, then a statement of an operator).
        var claimed = await store.ClaimAsync(new ClaimRequest { Owner = "o", Limit = 10, Now = Epoch, LeaseExpiresAt = Epoch.AddMinutes(1), Names = ["a"] });
        Assert.Equal(10, claimed.Count);
        await store.ApplyAsync(claimed.Select(c => new CommandOutcome
        {
            CommandId = c.Id, LeaseId = c.LeaseId!.Value, Status = CommandStatus.DeadLetter, Attempt = c.Attempt, CompletedAt = Epoch,
        }).ToArray());
        await _schema.ScalarAsync($"WITH d AS (DELETE FROM {schema.Commands} WHERE status = 'COMPLETED' RETURNING 1) SELECT count(*) FROM d");
        stats = await store.GetStatisticsAsync(new StatisticsRequest { Now = Epoch });
        Assert.Equal(expected[CommandStatus.Pending] - 10, stats.Counts[CommandStatus.Pending]);
        Assert.Equal(expected[CommandStatus.DeadLetter] + 10, stats.Counts[CommandStatus.DeadLetter]);
        Assert.Equal(0, stats.Counts[CommandStatus.Completed]);
        Assert.Equal(await _schema.ScalarAsync($"SELECT count(*) FROM {schema.Commands}"), stats.Total);
        await _schema.ScalarAsync($"TRUNCATE {schema.Commands}; SELECT 0");
        Assert.Equal(0, (await store.GetStatisticsAsync(new StatisticsRequest { Now = Epoch })).Total);
    }

    [SkippableFact]
    public async Task Rare_status_filters_and_the_dead_letter_view_walk_their_partial_index()
    {
        var store = await StoreAsync();
        await using (var connection = await _schema.OpenAdminConnectionAsync())
        {
            await using var fill = new NpgsqlCommand($"""
                INSERT INTO "{_schema.Name}".commands (id, name, status, payload, attempt, sequence, priority, tags, created_at, ready_at,
                                                      started_at, completed_at, fan_in_total, fan_in_pending, fan_in_failed)
                SELECT gen_random_uuid(), 'a', CASE WHEN g % 2000 = 0 THEN 'DEAD_LETTER' WHEN g % 2000 = 1 THEN 'FAILED' ELSE 'COMPLETED' END,
                       '\x7b7d', 1, '{"{}"}', 0, '{"{}"}', t, t, t, t, 0, 0, false
                FROM (SELECT g, timestamptz '2025-01-01' + g * interval '1 millisecond' AS t FROM generate_series(1, 200000) g) s;
                ANALYZE "{_schema.Name}".commands;
                """, connection) { CommandTimeout = 600 };
            await fill.ExecuteNonQueryAsync();
        }

        var deadPage = await store.FindAsync(new CommandQuery { Statuses = [CommandStatus.DeadLetter], Limit = 50 });
        Assert.Equal(50, deadPage.Items.Count);
        var queries = new (string Label, CommandQuery Query)[]
        {
            ("dead letters, newest first", new CommandQuery { Statuses = [CommandStatus.DeadLetter], Limit = 50 }),
            ("dead letters, next page", new CommandQuery { Statuses = [CommandStatus.DeadLetter], Limit = 50, Cursor = deadPage.NextCursor }),
            ("failed or dead", new CommandQuery { Statuses = [CommandStatus.Failed, CommandStatus.DeadLetter], Limit = 50 }),
            ("expired, oldest first", new CommandQuery { Statuses = [CommandStatus.Expired], Order = CommandOrder.OldestFirst, Limit = 50 }),
            ("dead letters by name", new CommandQuery { Statuses = [CommandStatus.DeadLetter], Name = "a", Limit = 50 }),
        };
        foreach (var (label, query) in queries)
        {
            await using var connection = await _schema.OpenAdminConnectionAsync();
            await using var explain = new NpgsqlCommand { Connection = connection };
            explain.CommandText = "EXPLAIN " + store.FindSql(query, explain);
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(0));
                }
            }

            output.WriteLine($"-- {label}:\n" + string.Join('\n', plan));
            Assert.Contains(plan, line => line.Contains("commands_rare", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, line => line.Contains("Sort", StringComparison.Ordinal));
        }
    }

    // ---------------------------------------------------------------- the claim plan

    [SkippableFact]
    public async Task Claim_walks_the_claim_index_in_order_while_the_table_has_no_statistics()
    {
        // A bulk enqueue into a table ANALYZE has not seen yet: estimated from defaults, fetching every ready row by
        // name and sorting them looked cheap, and cost a sort of 48k rows per claim in the benchmark.
        var store = await StoreAsync();
        await using var connection = await _schema.OpenAdminConnectionAsync();
        await using (var fill = new NpgsqlCommand($"""
            ALTER TABLE "{_schema.Name}".commands SET (autovacuum_enabled = false);
            INSERT INTO "{_schema.Name}".commands (id, name, status, payload, attempt, sequence, priority, tags, created_at, ready_at,
                                                  fan_in_total, fan_in_pending, fan_in_failed)
            SELECT gen_random_uuid(), 'a', 'PENDING', '\x7b7d', 0, '{"{}"}', 0, '{"{}"}', t, t, 0, 0, false
            FROM (SELECT timestamptz '2025-01-01' + g * interval '1 millisecond' AS t FROM generate_series(1, 50000) g) s;
            """, connection) { CommandTimeout = 600 })
        {
            await fill.ExecuteNonQueryAsync();
        }

        var plan = await ExplainClaimAsync(store, connection, withLimits: false, Epoch.UtcDateTime.AddYears(5));
        output.WriteLine(string.Join('\n', plan));
        Assert.Contains(plan, line => line.Contains("commands_claim", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Sort", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Claim_uses_the_partial_index_next_to_a_million_completed_rows()
    {
        var store = await StoreAsync();
        await using (var connection = await _schema.OpenAdminConnectionAsync())
        {
            await using var fill = new NpgsqlCommand($"""
                INSERT INTO "{_schema.Name}".commands (id, name, status, payload, attempt, sequence, priority, tags, created_at, ready_at,
                                                      started_at, completed_at, fan_in_total, fan_in_pending, fan_in_failed)
                SELECT gen_random_uuid(), 'a', 'COMPLETED', '\x7b7d', 1, '{"{}"}', 0, '{"{}"}', t, t, t, t, 0, 0, false
                FROM (SELECT timestamptz '2025-01-01' + g * interval '1 millisecond' AS t FROM generate_series(1, 1000000) g) s;
                ANALYZE "{_schema.Name}".commands;
                """, connection) { CommandTimeout = 600 };
            await fill.ExecuteNonQueryAsync();
        }

        await store.EnqueueAsync(Enumerable.Range(0, 100).Select(i => New(i % 2 == 0 ? "a" : "limited")).ToArray());
        foreach (var withLimits in new[] { false, true })
        {
            await using var connection = await _schema.OpenAdminConnectionAsync();
            var plan = await ExplainClaimAsync(store, connection, withLimits, Epoch.UtcDateTime);
            output.WriteLine($"-- claim plan ({(withLimits ? "with per-name limits" : "plain")}):\n" + string.Join('\n', plan));
            Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
            Assert.Contains(plan, line => line.Contains("commands_claim", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, line => line.StartsWith("JIT", StringComparison.Ordinal)); // not compiled per claim
        }

        var claimed = await store.ClaimAsync(new ClaimRequest
        {
            Owner = "o", Limit = 500, Now = Epoch, LeaseExpiresAt = Epoch.AddSeconds(30), Names = ["a", "limited"],
            NameLimits = new Dictionary<string, int> { ["limited"] = 2 },
        });
        Assert.Equal(52, claimed.Count);
    }

    /// <summary>The claim's plan as the store runs it: in a transaction with the claim's settings, for names ["a"].</summary>
    private static async Task<List<string>> ExplainClaimAsync(PostgresStore store, NpgsqlConnection connection, bool withLimits, DateTime now)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var settings = new NpgsqlCommand(Sql.ClaimSettings, connection, transaction))
        {
            await settings.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN " + store.ClaimSql(withLimits), connection, transaction);
        explain.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        explain.Parameters.Add(new NpgsqlParameter { Value = new[] { "a" }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        explain.Parameters.Add(new NpgsqlParameter { Value = 500, NpgsqlDbType = NpgsqlDbType.Integer });
        explain.Parameters.Add(new NpgsqlParameter { Value = "owner", NpgsqlDbType = NpgsqlDbType.Text });
        explain.Parameters.Add(new NpgsqlParameter { Value = now.AddSeconds(30), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (withLimits)
        {
            explain.Parameters.Add(new NpgsqlParameter { Value = new[] { "limited" }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            explain.Parameters.Add(new NpgsqlParameter { Value = new[] { 2 }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        }

        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        await transaction.RollbackAsync();
        return plan;
    }

    // ---------------------------------------------------------------- NOTIFY

    private sealed class Signals : IStoreObserver
    {
        private TaskCompletionSource _work = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _cancelled = new();

        public Task Work => Volatile.Read(ref _work).Task;

        public void ResetWork() => Volatile.Write(ref _work, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public Task Cancelled(Guid id) => _cancelled.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public void OnWorkAvailable() => Volatile.Read(ref _work).TrySetResult();

        public void OnCancelled(IReadOnlyList<Guid> ids)
        {
            foreach (var id in ids)
            {
                _cancelled.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
    }

    [SkippableFact]
    public async Task The_listening_connection_goes_back_to_the_pool_without_its_listen()
    {
        // A data source that does not reset connections, with room for one: the next open gets the listener's connection.
        var builder = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { NoResetOnClose = true, MaxPoolSize = 1 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var store = new PostgresStore(dataSource, new PostgresStoreOptions { Schema = _schema.Name });
        await store.InitializeAsync();
        using (store.Subscribe(new Signals()))
        {
            var listener = await store.CurrentListener!.ConnectedAsync(1).WaitAsync(HangGuard);
            Assert.NotEqual(0, listener);
            await store.DisposeAsync();
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var channels = new NpgsqlCommand("SELECT count(*) FROM pg_listening_channels()", connection);
        Assert.Equal(0L, await channels.ExecuteScalarAsync());
    }

    [SkippableFact]
    public void A_store_built_from_a_connection_string_skips_the_reset_on_close_unless_asked()
    {
        var own = new PostgresStore(_schema.ConnectionString, new PostgresStoreOptions { Schema = _schema.Name });
        Assert.True(new NpgsqlConnectionStringBuilder(own.DataSource.ConnectionString).NoResetOnClose);
        var asked = new PostgresStore(_schema.ConnectionString + ";No Reset On Close=false", new PostgresStoreOptions { Schema = _schema.Name });
        Assert.False(new NpgsqlConnectionStringBuilder(asked.DataSource.ConnectionString).NoResetOnClose);
    }

    [SkippableFact]
    public async Task Observers_of_one_instance_hear_work_and_cancellations_from_another()
    {
        var a = await StoreAsync();
        var b = await StoreAsync();
        var signals = new Signals();
        using var subscription = b.Subscribe(signals);
        await b.CurrentListener!.ConnectedAsync(1).WaitAsync(HangGuard);

        var command = New();
        await a.EnqueueAsync([command]);
        await signals.Work.WaitAsync(HangGuard);

        await a.CancelAsync(command.Id, Epoch, "stop");
        await signals.Cancelled(command.Id).WaitAsync(HangGuard);
    }

    [SkippableFact]
    public async Task Listener_reconnects_after_its_connection_is_killed()
    {
        var a = await StoreAsync();
        var b = await StoreAsync();
        var signals = new Signals();
        using var subscription = b.Subscribe(signals);
        var firstPid = await b.CurrentListener!.ConnectedAsync(1).WaitAsync(HangGuard);

        await using (var admin = await _schema.OpenAdminConnectionAsync())
        await using (var kill = new NpgsqlCommand("SELECT pg_terminate_backend($1)", admin))
        {
            kill.Parameters.Add(new NpgsqlParameter { Value = firstPid, NpgsqlDbType = NpgsqlDbType.Integer });
            Assert.True((bool)(await kill.ExecuteScalarAsync())!);
        }

        var secondPid = await b.CurrentListener.ConnectedAsync(2).WaitAsync(HangGuard);
        Assert.NotEqual(firstPid, secondPid);

        // The reconnect itself wakes observers; what follows must come from a NOTIFY sent after it.
        signals.ResetWork();
        var command = New();
        await a.EnqueueAsync([command]);
        await signals.Work.WaitAsync(HangGuard);
        await a.CancelAsync(command.Id, Epoch, null);
        await signals.Cancelled(command.Id).WaitAsync(HangGuard);
    }

    [SkippableFact]
    public async Task Dispose_stops_a_listener_that_waits_for_notifications()
    {
        var store = _schema.CreateStore();
        await store.InitializeAsync();
        using var subscription = store.Subscribe(new Signals());
        await store.CurrentListener!.ConnectedAsync(1).WaitAsync(HangGuard);
        await Task.Yield();
        await store.DisposeAsync().AsTask().WaitAsync(HangGuard);
    }

    [SkippableFact]
    public async Task Cancelling_through_one_instance_stops_a_handler_running_on_another()
    {
        var a = await StoreAsync();
        var b = await StoreAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A lease far longer than the hang guard: only the NOTIFY can deliver the cancellation in time.
        var executor = NewExecutor(b, o => o.LeaseDuration = TimeSpan.FromMinutes(30));
        executor.Handle("slow", async (ctx, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Blocking.UntilCancelledAsync(ct);
            }
            catch (OperationCanceledException)
            {
                stopped.TrySetResult();
                throw;
            }

            return CommandResult.Empty;
        });
        await executor.StartAsync();
        await b.CurrentListener!.ConnectedAsync(1).WaitAsync(HangGuard);
        var command = await executor.AddAsync(new CommandSpec("slow"));
        await started.Task.WaitAsync(HangGuard);

        await a.CancelAsync(command.Id, DateTimeOffset.UtcNow, "from another instance");
        await stopped.Task.WaitAsync(HangGuard);
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);
        Assert.Equal(CommandStatus.Cancelled, (await a.GetAsync(command.Id))!.Status);
    }

    // ---------------------------------------------------------------- transactional enqueue

    [SkippableFact]
    public async Task Transactional_enqueue_exists_only_after_commit_and_wakes_other_instances()
    {
        var client = await StoreAsync();
        var worker = await StoreAsync();
        var ran = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The worker polls rarely: the NOTIFY delivered at commit is what wakes it.
        var runner = NewExecutor(worker, o => o.PollInterval = TimeSpan.FromMinutes(10));
        runner.Handle("order-placed", (ctx, _) =>
        {
            ran.TrySetResult(ctx.Id);
            return ValueTask.FromResult(CommandResult.Empty);
        });
        await runner.StartAsync();
        await runner.WaitForIdleAsync().WaitAsync(HangGuard);
        await worker.CurrentListener!.ConnectedAsync(1).WaitAsync(HangGuard);

        var sender = NewExecutor(client);
        await using var connection = await client.DataSource.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var command = await sender.AddAsync(new CommandSpec("order-placed"), transaction);
            Assert.Null(await client.GetAsync(command.Id)); // not visible outside the transaction yet
            await transaction.CommitAsync();
            Assert.Equal(command.Id, await ran.Task.WaitAsync(HangGuard));
        }

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var many = await sender.AddManyAsync(Enumerable.Range(0, 3).Select(_ => new CommandSpec("order-placed")), transaction);
            await transaction.RollbackAsync();
            foreach (var command in many)
            {
                Assert.Null(await client.GetAsync(command.Id));
            }
        }
    }

    [SkippableFact]
    public async Task Transactional_enqueue_of_many_uses_copy_and_rolls_back_with_the_transaction()
    {
        var store = await StoreAsync();
        var sender = NewExecutor(store);
        await using var connection = await store.DataSource.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await sender.AddManyAsync(Enumerable.Range(0, 500).Select(_ => new CommandSpec("x")), transaction);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await _schema.ScalarAsync($"SELECT count(*) FROM \"{_schema.Name}\".commands"));
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await sender.AddManyAsync(Enumerable.Range(0, 500).Select(_ => new CommandSpec("x")), transaction);
            await transaction.CommitAsync();
        }

        Assert.Equal(500, await _schema.ScalarAsync($"SELECT count(*) FROM \"{_schema.Name}\".commands"));
        Assert.Equal(500, await _schema.ScalarAsync($"SELECT count(*) FROM \"{_schema.Name}\".history WHERE type = 'created'"));
    }

    // ---------------------------------------------------------------- COPY

    [SkippableFact]
    public async Task Copy_enqueue_is_all_or_nothing_with_a_held_unique_key()
    {
        var store = await StoreAsync();
        var holder = New("a", b => b.UniqueKey("taken"));
        await store.EnqueueAsync([holder]);
        var batch = Enumerable.Range(0, 5000).Select(i => i == 4321 ? New("a", b => b.UniqueKey("taken")) : New("a", b => b.UniqueKey($"k{i}"))).ToArray();
        var ex = await Assert.ThrowsAsync<DuplicateCommandException>(async () => await store.EnqueueAsync(batch));
        Assert.Equal("taken", ex.UniqueKey);
        Assert.Equal(holder.Id, ex.ExistingId);
        Assert.Equal(1, await _schema.ScalarAsync($"SELECT count(*) FROM \"{_schema.Name}\".commands"));
        Assert.Equal(1, await _schema.ScalarAsync($"SELECT count(*) FROM \"{_schema.Name}\".history"));

        var repeated = Enumerable.Range(0, 200).Select(i => New("a", b => b.UniqueKey(i == 150 ? "k1" : $"k{i}"))).ToArray();
        Assert.Null((await Assert.ThrowsAsync<DuplicateCommandException>(async () => await store.EnqueueAsync(repeated))).ExistingId);

        var fine = Enumerable.Range(0, 5000).Select(i => New("a", b => b.UniqueKey($"k{i}").Tags("t1", "t2").Payload($$"""{"i":{{i}}}"""))).ToArray();
        await store.EnqueueAsync(fine);
        Assert.Equal(5001, await _schema.ScalarAsync($"SELECT count(*) FROM \"{_schema.Name}\".commands"));
        var read = (await store.GetAsync(fine[4999].Id))!;
        Assert.Equal(["t1", "t2"], read.Tags);
        Assert.Equal(4999, read.Data.GetInt32("i"));
        Assert.Equal(HistoryEventType.Created, Assert.Single(await store.GetHistoryAsync(fine[17].Id)).Type);
    }

    // ---------------------------------------------------------------- many instances

    [SkippableFact]
    public async Task Four_instances_run_twenty_thousand_commands_exactly_once()
    {
        const int total = 20_000;
        var stores = new List<PostgresStore>();
        for (var i = 0; i < 4; i++)
        {
            stores.Add(await StoreAsync());
        }

        var runs = new ConcurrentDictionary<Guid, int>();
        var done = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executors = stores.Select(store =>
        {
            var executor = NewExecutor(store, o =>
            {
                o.Parallelism = 8;
                o.ClaimBatchSize = 200;
                o.ApplyBatchSize = 500;
            });
            executor.Handle("job", (ctx, _) =>
            {
                runs.AddOrUpdate(ctx.Id, 1, (_, n) => n + 1);
                if (Interlocked.Increment(ref done) == total)
                {
                    all.TrySetResult();
                }

                return ValueTask.FromResult(CommandResult.Empty);
            });
            return executor;
        }).ToList();

        var ids = new List<Guid>(total);
        for (var chunk = 0; chunk < total / 5000; chunk++)
        {
            var batch = Enumerable.Range(0, 5000).Select(_ => New("job")).ToArray();
            ids.AddRange(batch.Select(c => c.Id));
            await stores[chunk % 4].EnqueueAsync(batch);
        }

        await Task.WhenAll(executors.Select(e => e.StartAsync()));
        await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        foreach (var executor in executors)
        {
            await executor.WaitForIdleAsync().WaitAsync(HangGuard);
        }

        Assert.Equal(total, runs.Count);
        Assert.All(ids, id => Assert.Equal(1, runs[id]));
        var stats = await stores[0].GetStatisticsAsync(new StatisticsRequest { Now = DateTimeOffset.UtcNow });
        Assert.Equal(total, stats.Counts[CommandStatus.Completed]);
        Assert.Equal(total, stats.Total);
    }
}
