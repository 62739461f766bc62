using System.Net;
using System.Text.Json.Nodes;
using Durex.PostgreSql;

namespace Durex.Cli.Tests;

public sealed class SqliteCommandTests : CommandTests
{
    protected override Task<ICliStore> CreateStoreAsync() => Task.FromResult<ICliStore>(new SqliteCliStore());
}

public sealed class PostgresCommandTests : CommandTests
{
    protected override async Task<ICliStore> CreateStoreAsync() => await PostgresCliStore.CreateAsync();
}

/// <summary>Every command against a real store (a SQLite file, a fresh PostgreSQL database), seeded by real executors.</summary>
public abstract class CommandTests
{
    protected abstract Task<ICliStore> CreateStoreAsync();

    private async Task<World> WorldAsync() => new(await CreateStoreAsync());

    private static Guid[] Ids(CliResult result) => result.Json()["items"]!.AsArray().Select(i => Guid.Parse((string)i!["id"]!)).ToArray();

    /// <summary>A line of <c>durex get</c>: labels padded to the longest, "correlation id:", plus one space.</summary>
    private static string Field(string label, string value) => (label + ":").PadRight(16) + value;

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    [SkippableFact]
    public async Task List_prints_an_aligned_table_newest_first()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();

        var result = await world.RunAsync(0, world.Args("list"));

        Assert.Equal("", result.Err);
        var lines = Lines(result.Out);
        Assert.Equal(["ID", "NAME", "STATUS", "ATTEMPT", "CREATED", "(UTC)", "ERROR"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(seeded.NewestFirst, lines.Skip(1).Select(l => Guid.Parse(l.Split(' ')[0])));
        var status = lines[0].IndexOf("STATUS", StringComparison.Ordinal);
        var error = lines[0].IndexOf("ERROR", StringComparison.Ordinal);
        var dead = lines.Single(l => l.StartsWith(seeded.DeadLetter.Id.ToString(), StringComparison.Ordinal));
        Assert.StartsWith("DEAD_LETTER ", dead[status..]);
        Assert.Equal("SMTP refused the sender", dead[error..]);
        Assert.Contains("2026-03-02 09:00:00", dead);
        Assert.StartsWith("PENDING ", lines.Single(l => l.StartsWith(seeded.Pending.Id.ToString(), StringComparison.Ordinal))[status..]);
        Assert.DoesNotContain("next cursor", result.Out);
    }

    [SkippableFact]
    public async Task List_json_has_the_dashboards_command_shape()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();

        var json = (await world.RunAsync(0, world.Args("list", "--json"))).Json();

        Assert.Null(json["nextCursor"]);
        var items = json["items"]!.AsArray();
        Assert.Equal(seeded.NewestFirst, items.Select(i => Guid.Parse((string)i!["id"]!)));
        var dead = items.Single(i => (string)i!["id"]! == seeded.DeadLetter.Id.ToString())!;
        Assert.Equal("fail", (string)dead["name"]!);
        Assert.Equal("DEAD_LETTER", (string)dead["status"]!);
        Assert.Equal("SMTP refused the sender", (string)dead["error"]!);
        Assert.Equal(1, (int)dead["attempt"]!);
        Assert.Equal(["tenant:1"], dead["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(World.Start, (DateTimeOffset)dead["createdAt"]!);
        Assert.False(dead.AsObject().ContainsKey("payload")); // lists leave payloads out, as the dashboard does
    }

    [SkippableFact]
    public async Task List_filters_like_the_dashboard()
    {
        await using var world = await WorldAsync();
        var s = await world.SeedAsync();
        async Task<Guid[]> List(params string[] filters) => Ids(await world.RunAsync(0, world.Args(["list", "--json", .. filters])));

        foreach (var spelling in new[] { "dead_letter", "DEAD_LETTER", "DeadLetter", "dead-letter" })
        {
            Assert.Equal([s.DeadLetter.Id], await List("--status", spelling));
        }

        Assert.Equal([s.Failed.Id, s.DeadLetter.Id], await List("--status", "FAILED,dead_letter"));
        Assert.Equal([s.Failed.Id, s.DeadLetter.Id], await List("--status", "failed", "--status", "DeadLetter"));
        Assert.Equal([s.Delayed.Id, s.Pending.Id], await List("--status", "pending"));
        Assert.Equal([s.Failed.Id, s.DeadLetter.Id], await List("--name", "fail"));
        Assert.Equal([s.DeadLetter.Id, s.Completed.Id], await List("--tag", "tenant:1"));
        Assert.Equal([s.DeadLetter.Id], await List("--tag", "tenant:1", "--status", "dead_letter"));
        Assert.Equal([s.Failed.Id], await List("--correlation-id", "order-2"));
        Assert.Equal([s.Completed.Id], await List("--search", "ann@EXAMPLE"));          // payload, any case
        Assert.Equal([s.Completed.Id], await List("--search", "@example.com"));         // '@' is text, not a response file
        Assert.Equal([s.DeadLetter.Id], await List("--search", "smtp refused"));        // error
        Assert.Empty(await List("--parent-id", Guid.NewGuid().ToString()));
        Assert.Empty(await List("--created-from", "2030-01-01T00:00:00Z"));
        Assert.Equal(5, (await List("--created-before", "2030-01-01")).Length);
        Assert.Equal(s.NewestFirst.Reverse(), await List("--order", "oldest"));
        Assert.Equal(s.NewestFirst, await List("--order", "NEWEST"));

        var none = await world.RunAsync(0, world.Args("list", "--name", "nothing-has-this-name"));
        Assert.Equal("No commands match.", none.Out.Trim());
    }

    [SkippableFact]
    public async Task List_pages_with_limit_and_cursor_in_text_and_json()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var result = await world.RunAsync(0, world.Args(cursor is null ? ["list", "--limit", "2"] : ["list", "--limit", "2", "--cursor", cursor]));
            var lines = Lines(result.Out);
            var next = lines.SingleOrDefault(l => l.StartsWith("next cursor: ", StringComparison.Ordinal));
            seen.AddRange(lines.Skip(1).Where(l => l != next).Select(l => Guid.Parse(l.Split(' ')[0])));
            cursor = next?["next cursor: ".Length..];
        }
        while (cursor is not null);

        Assert.Equal(seeded.NewestFirst, seen);

        var first = (await world.RunAsync(0, world.Args("list", "--json", "--limit", "3", "--order", "oldest"))).Json();
        var second = (await world.RunAsync(0, world.Args("list", "--json", "--limit", "3", "--order", "oldest", "--cursor", (string)first["nextCursor"]!))).Json();
        Assert.Null(second["nextCursor"]);
        Assert.Equal(seeded.NewestFirst.Reverse(), first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(i => Guid.Parse((string)i!["id"]!)));
    }

    [SkippableFact]
    public async Task Get_shows_fields_payload_and_with_history_the_timeline()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();
        var id = seeded.DeadLetter.Id.ToString();
        var history = await world.GetHistoryAsync(seeded.DeadLetter.Id);

        var plain = await world.RunAsync(0, world.Args("get", id));
        var fields = Lines(plain.Out);
        Assert.Equal(Field("id", id), fields[0]);
        Assert.Contains(Field("name", "fail"), fields);
        Assert.Contains(Field("status", "DEAD_LETTER"), fields);
        Assert.Contains(Field("attempt", "1"), fields);
        Assert.Contains(Field("error", "SMTP refused the sender"), fields);
        Assert.Contains(Field("tags", "tenant:1"), fields);
        Assert.Contains(Field("created", "2026-03-02T09:00:00.000Z"), fields);
        Assert.DoesNotContain(fields, f => f.StartsWith("unique key:", StringComparison.Ordinal)); // unset fields are left out
        Assert.Contains("\"error\": \"SMTP refused the sender\"", plain.Out); // the payload, indented JSON
        Assert.DoesNotContain("history:", plain.Out);

        var timeline = await world.RunAsync(0, world.Args("get", id, "--history"));
        var rows = Lines(timeline.Out[timeline.Out.IndexOf("history:", StringComparison.Ordinal)..]).Skip(1).ToArray();
        Assert.Equal(["TIME", "(UTC)", "EVENT", "ATTEMPT", "DURATION", "DETAILS"], rows[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(history.Select(e => e.Type.ToWireName()), rows.Skip(1).Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
        Assert.Contains(rows, r => r.Contains("SMTP refused the sender", StringComparison.Ordinal));

        var json = (await world.RunAsync(0, world.Args("get", id, "--json"))).Json();
        Assert.Equal(id, (string)json["command"]!["id"]!);
        Assert.Equal("DEAD_LETTER", (string)json["command"]!["status"]!);
        Assert.Equal("SMTP refused the sender", (string)json["command"]!["payload"]!["error"]!);
        Assert.False(json.AsObject().ContainsKey("history"));

        var withHistory = (await world.RunAsync(0, world.Args("get", "--history", "--json", id))).Json();
        Assert.Equal(history.Select(e => e.Type.ToWireName()), withHistory["history"]!.AsArray().Select(e => (string)e!["type"]!));
        Assert.Equal(history.Select(e => e.Attempt), withHistory["history"]!.AsArray().Select(e => (int)e!["attempt"]!));
    }

    [SkippableFact]
    public async Task Unknown_ids_exit_3_for_every_command_that_takes_one()
    {
        await using var world = await WorldAsync();
        await world.InitializeAsync();
        var id = Guid.NewGuid().ToString();

        foreach (var command in new[] { "get", "cancel", "retry", "replay" })
        {
            var result = await world.RunAsync(ExitCodes.NotFound, world.Args(command, id));
            Assert.Contains($"Command {id} does not exist", result.Err);
            Assert.Equal("", result.Out);
        }
    }

    [SkippableFact]
    public async Task Cancel_by_id_records_the_reason_and_refuses_finished_commands()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();

        var result = await world.RunAsync(0, world.Args("cancel", seeded.Pending.Id.ToString(), "--reason", "customer left"));
        Assert.Equal($"Cancelled {seeded.Pending.Id} (later): it is CANCELLED.", result.Out.Trim());
        Assert.Equal(CommandStatus.Cancelled, (await world.GetAsync(seeded.Pending.Id)).Status);
        var cancelled = (await world.GetHistoryAsync(seeded.Pending.Id)).Last();
        Assert.Equal(HistoryEventType.Cancelled, cancelled.Type);
        Assert.Contains("customer left", cancelled.Message + cancelled.Error);

        var again = await world.RunAsync(ExitCodes.InvalidState, world.Args("cancel", seeded.Pending.Id.ToString()));
        Assert.Contains("it is CANCELLED", again.Err);
        Assert.Contains("Only active commands", again.Err);
        await world.RunAsync(ExitCodes.InvalidState, world.Args("cancel", seeded.Completed.Id.ToString()));
        Assert.Equal(CommandStatus.Completed, (await world.GetAsync(seeded.Completed.Id)).Status);

        var json = (await world.RunAsync(0, world.Args("cancel", "--json", seeded.Delayed.Id.ToString()))).Json();
        Assert.Equal("cancel", (string)json["action"]!);
        Assert.Equal("CANCELLED", (string)json["command"]!["status"]!);
    }

    [SkippableFact]
    public async Task Cancel_by_tag_cancels_every_active_command_carrying_it()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();
        var batch = await world.AddPendingAsync(3, tag: "batch:7");

        var result = await world.RunAsync(0, world.Args("cancel", "--tag", "batch:7"));

        Assert.Equal("Cancelled 3 active commands tagged 'batch:7'.", result.Out.Trim());
        foreach (var command in batch)
        {
            Assert.Equal(CommandStatus.Cancelled, (await world.GetAsync(command.Id)).Status);
        }

        Assert.Equal(CommandStatus.Pending, (await world.GetAsync(seeded.Pending.Id)).Status);
        var json = (await world.RunAsync(0, world.Args("cancel", "--tag", "batch:7", "--json"))).Json();
        Assert.Equal(0, (int)json["count"]!); // nothing active is left with the tag: not an error
    }

    [SkippableFact]
    public async Task Retry_sends_failed_and_dead_lettered_commands_back_to_pending()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();

        var result = await world.RunAsync(0, world.Args("retry", seeded.Failed.Id.ToString()));
        Assert.Contains($"Retried {seeded.Failed.Id} (fail): it is PENDING", result.Out);
        var failed = await world.GetAsync(seeded.Failed.Id);
        Assert.Equal(CommandStatus.Pending, failed.Status);
        Assert.Equal(0, failed.Attempt);

        var json = (await world.RunAsync(0, world.Args("retry", seeded.DeadLetter.Id.ToString(), "--json"))).Json();
        Assert.Equal("retry", (string)json["action"]!);
        Assert.Equal("PENDING", (string)json["command"]!["status"]!);

        var completed = await world.RunAsync(ExitCodes.InvalidState, world.Args("retry", seeded.Completed.Id.ToString()));
        Assert.Contains("it is COMPLETED", completed.Err);
        Assert.Contains("Only FAILED and DEAD_LETTER commands can be retried", completed.Err);
        await world.RunAsync(ExitCodes.InvalidState, world.Args("retry", seeded.Pending.Id.ToString()));
        Assert.Equal(CommandStatus.Completed, (await world.GetAsync(seeded.Completed.Id)).Status);
    }

    [SkippableFact]
    public async Task Retry_exits_4_while_another_active_command_holds_the_unique_key()
    {
        await using var world = await WorldAsync();
        await world.InitializeAsync();
        var failed = await world.AddFailedAsync(new CommandSpec("fail") { UniqueKey = "sync:42" });
        Assert.Equal(CommandStatus.Failed, failed.Status);
        var holder = (await world.AddPendingAsync(1, uniqueKey: "sync:42")).Single();

        var result = await world.RunAsync(ExitCodes.InvalidState, world.Args("retry", failed.Id.ToString()));

        Assert.Contains($"A command with unique key 'sync:42' is already active (id {holder.Id})", result.Err);
        Assert.Contains("then retry again", result.Err);
        Assert.Equal(CommandStatus.Failed, (await world.GetAsync(failed.Id)).Status);
    }

    [SkippableFact]
    public async Task Errors_stay_on_one_line_in_tables_and_whole_in_json()
    {
        await using var world = await WorldAsync();
        await world.InitializeAsync();
        var error = "first line\nsecond\tline " + new string('x', 100);
        var failed = await world.AddFailedAsync(new CommandSpec("fail") { Data = { ["error"] = error } });

        var table = Lines((await world.RunAsync(0, world.Args("list"))).Out);
        Assert.Equal(2, table.Length);
        var cell = table[1][table[0].IndexOf("ERROR", StringComparison.Ordinal)..];
        Assert.Equal(60, cell.Length);
        Assert.StartsWith("first line second line xxx", cell);
        Assert.EndsWith("x…", cell);

        var json = (await world.RunAsync(0, world.Args("list", "--json"))).Json();
        Assert.Equal(error, (string)json["items"]![0]!["error"]!);
        Assert.Equal(failed.Id.ToString(), (string)json["items"]![0]!["id"]!);
    }

    [SkippableFact]
    public async Task Replay_takes_commands_from_the_dead_letter_queue_only()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();

        var failed = await world.RunAsync(ExitCodes.InvalidState, world.Args("replay", seeded.Failed.Id.ToString()));
        Assert.Contains("it is FAILED", failed.Err);
        Assert.Contains("durex retry", failed.Err);
        Assert.Equal(CommandStatus.Failed, (await world.GetAsync(seeded.Failed.Id)).Status);

        var result = await world.RunAsync(0, world.Args("replay", seeded.DeadLetter.Id.ToString()));
        Assert.Contains("from the dead-letter queue: it is PENDING", result.Out);
        Assert.Equal(CommandStatus.Pending, (await world.GetAsync(seeded.DeadLetter.Id)).Status);
        Assert.Equal(HistoryEventType.Replayed, (await world.GetHistoryAsync(seeded.DeadLetter.Id)).Last().Type);

        await world.RunAsync(ExitCodes.InvalidState, world.Args("replay", seeded.DeadLetter.Id.ToString())); // pending now
    }

    [SkippableFact]
    public async Task Purge_deletes_old_dead_letters_in_batches_and_counts_them_on_stderr()
    {
        await using var world = await WorldAsync();
        await world.InitializeAsync();
        var old = await world.AddDeadLettersAsync(3);
        world.Time.Advance(TimeSpan.FromDays(8));
        var fresh = await world.AddDeadLettersAsync(2);
        world.Time.Advance(TimeSpan.FromHours(1));

        var result = await world.RunAsync(0, world.Args("purge", "--dlq", "--older-than", "7d", "--batch-size", "2", "--progress", "always"));

        Assert.Equal("Purged 3 dead letters older than 7d.", result.Out.Trim());
        Assert.Equal(["purged 2 of at most 5 dead letters…", "purged 3 of at most 5 dead letters…"], Lines(result.Err));
        foreach (var command in old)
        {
            Assert.Null(await world.FindAsync(command.Id));
            Assert.Empty(await world.GetHistoryAsync(command.Id));
        }

        foreach (var command in fresh)
        {
            Assert.Equal(CommandStatus.DeadLetter, (await world.GetAsync(command.Id)).Status);
        }

        // Not a terminal and --progress auto (the default): no progress, and 0 means every dead letter.
        var all = await world.RunAsync(0, world.Args("purge", "--older-than", "0", "--dlq", "--json"));
        Assert.Equal("", all.Err);
        Assert.Equal("purge", (string)all.Json()["action"]!);
        Assert.Equal(2, (int)all.Json()["count"]!);
        Assert.Equal(0, (await world.GetStatisticsAsync()).Counts[CommandStatus.DeadLetter]);
    }

    [SkippableFact]
    public async Task Stats_count_every_status_the_ready_queue_and_its_age()
    {
        await using var world = await WorldAsync();
        await world.SeedAsync(); // the ready pending command was added 90 s before the clock's now

        var text = Lines((await world.RunAsync(0, world.Args("stats"))).Out);
        Assert.Equal(["STATUS", "COUNT"], text[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("PENDING      2", text);
        Assert.Contains("COMPLETED    1", text);
        Assert.Contains("FAILED       1", text);
        Assert.Contains("DEAD_LETTER  1", text);
        Assert.Contains("CANCELLED    0", text);
        Assert.Contains("TOTAL        5", text);
        Assert.Contains("ready now:        1", text);
        Assert.Contains("oldest ready age: 1m 30s", text);

        var json = (await world.RunAsync(0, world.Args("stats", "--json"))).Json();
        Assert.Equal(9, json["counts"]!.AsObject().Count);
        Assert.Equal(2, (long)json["counts"]!["PENDING"]!);
        Assert.Equal(1, (long)json["counts"]!["DEAD_LETTER"]!);
        Assert.Equal(0, (long)json["counts"]!["STARTED"]!);
        Assert.Equal(5, (long)json["total"]!);
        Assert.Equal(1, (long)json["queueDepth"]!);
        Assert.Equal(90, (double)json["oldestReadyAgeSeconds"]!);
        Assert.Equal(world.Time.GetUtcNow(), (DateTimeOffset)json["timestamp"]!);
    }

    [SkippableFact]
    public async Task Migrate_creates_the_schema_once_and_prints_its_version()
    {
        await using var world = await WorldAsync();
        var sqlite = world.Store as SqliteCliStore;
        Assert.False(sqlite is not null && File.Exists(sqlite.FilePath));

        var created = await world.RunAsync(0, world.Args("migrate"));
        Assert.Matches(@"^Created Durex's schema \(version 3\) in the (SQLite|PostgreSQL) database '[^']+'", created.Out);
        Assert.True(sqlite is null || File.Exists(sqlite.FilePath));

        var again = await world.RunAsync(0, world.Args("migrate"));
        Assert.Contains("is up to date (version 3)", again.Out);
        var json = (await world.RunAsync(0, world.Args("migrate", "--json"))).Json();
        Assert.Equal(sqlite is null ? "postgres" : "sqlite", (string)json["store"]!);
        Assert.Equal(3, (int)json["previousVersion"]!);
        Assert.Equal(3, (int)json["schemaVersion"]!);
        if (world.Store is PostgresCliStore postgres)
        {
            await using var store = new PostgresStore(postgres.ConnectionString);
            Assert.Equal(store.LatestSchemaVersion, (int)json["schemaVersion"]!);
            Assert.Equal(store.LatestSchemaVersion, await store.GetSchemaVersionAsync());
        }

        // The store is ready for an application and for the other commands.
        await world.SeedAsync();
        Assert.Equal(5, (long)(await world.RunAsync(0, world.Args("stats", "--json"))).Json()["total"]!);
    }

    [SkippableFact]
    public async Task Commands_other_than_migrate_refuse_a_store_without_the_schema_and_create_nothing()
    {
        await using var world = await WorldAsync();
        var id = Guid.NewGuid().ToString();
        string[][] commands =
        [
            ["list"], ["get", id], ["stats"], ["cancel", id], ["cancel", "--tag", "t"], ["retry", id], ["replay", id],
            ["purge", "--dlq", "--older-than", "1d"], ["dashboard", "--url", "http://127.0.0.1:0"],
        ];

        foreach (var command in commands)
        {
            var result = await world.RunAsync(ExitCodes.StoreUnavailable, world.Args(command));
            Assert.Contains("durex migrate", result.Err);
            Assert.Equal("", result.Out);
        }

        switch (world.Store)
        {
            case SqliteCliStore sqlite:
                Assert.Contains("does not exist", (await world.RunAsync(5, world.Args("list"))).Err);
                Assert.False(File.Exists(sqlite.FilePath));
                Assert.Empty(Directory.GetFiles(sqlite.Folder));

                // An existing file without Durex's tables (an empty SQLite file) is left as it was.
                await File.WriteAllBytesAsync(sqlite.FilePath, []);
                Assert.Contains("has no Durex tables", (await world.RunAsync(5, world.Args("stats"))).Err);
                Assert.Equal(0, new FileInfo(sqlite.FilePath).Length);
                break;
            case PostgresCliStore postgres:
                Assert.Contains("has no Durex tables", (await world.RunAsync(5, world.Args("stats"))).Err);
                await using (var store = new PostgresStore(postgres.ConnectionString))
                {
                    Assert.Equal(0, await store.GetSchemaVersionAsync());
                }

                break;
        }
    }

    [SkippableFact]
    public async Task A_schema_newer_than_the_tool_exits_5_for_every_command()
    {
        await using var world = await WorldAsync();
        await world.InitializeAsync();
        switch (world.Store)
        {
            case SqliteCliStore sqlite:
                await ArgumentTests.ExecuteSqliteAsync(sqlite.FilePath, "INSERT INTO durex_schema_version (version) VALUES (99)");
                break;
            case PostgresCliStore postgres:
                await postgres.ExecuteAsync("INSERT INTO durex.schema_version (version, description) VALUES (99, 'from the future')");
                break;
        }

        foreach (var command in new[] { "list", "stats", "migrate" })
        {
            var result = await world.RunAsync(ExitCodes.StoreUnavailable, world.Args(command));
            Assert.Contains("schema version 99", result.Err);
        }
    }

    [SkippableFact]
    public async Task Options_may_stand_before_or_after_the_command_and_its_arguments()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();
        var id = seeded.DeadLetter.Id.ToString();
        var store = world.Store.Args;

        string[][] gets =
        [
            [.. store, "get", id, "--history", "--json"],
            ["get", "--history", "--json", id, .. store],
            ["get", id, .. store, "--json", "--history"],
            ["get", "--json", .. store, id, "--history"],
        ];
        var outputs = new List<string>();
        foreach (var args in gets)
        {
            outputs.Add((await world.RunAsync(0, args)).Out);
        }

        Assert.Single(outputs.Distinct());
        Assert.Equal(id, (string)JsonNode.Parse(outputs[0])!["command"]!["id"]!);

        var before = await world.RunAsync(0, [.. store, "list", "--status", "failed,dead_letter", "--limit", "1", "--json"]);
        var after = await world.RunAsync(0, ["list", "--limit", "1", .. store, "--json", "--status", "failed,dead_letter"]);
        Assert.Equal(before.Out, after.Out);
        Assert.Equal([seeded.Failed.Id], Ids(before));
    }

    [SkippableFact]
    public async Task DUREX_STORE_names_the_store_and_the_command_line_wins_over_it()
    {
        await using var world = await WorldAsync();
        await world.SeedAsync();

        var fromVariable = await Cli.RunAsync(0, ["stats", "--json"], new Dictionary<string, string> { ["DUREX_STORE"] = world.Store.Variable }, world.Time);
        Assert.Equal(5, (long)fromVariable.Json()["total"]!);

        var missing = Path.Combine(Path.GetTempPath(), "durex-cli-" + Guid.NewGuid().ToString("N"), "none.db");
        var overridden = await Cli.RunAsync(0, world.Args("stats", "--json"), new Dictionary<string, string> { ["DUREX_STORE"] = "sqlite:" + missing }, world.Time);
        Assert.Equal(5, (long)overridden.Json()["total"]!);
    }

    [SkippableFact]
    public async Task Dashboard_on_a_port_in_use_exits_1_and_says_so()
    {
        await using var world = await WorldAsync();
        await world.InitializeAsync();
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await world.RunAsync(ExitCodes.Error, world.Args("dashboard", "--url", url));

        Assert.Contains($"Cannot listen on {url}", result.Err);
        Assert.Contains("Choose another port", result.Err);
        Assert.Equal("", result.Out);
    }

    [SkippableFact]
    public async Task Dashboard_serves_the_store_read_only_and_runs_no_command()
    {
        await using var world = await WorldAsync();
        var seeded = await world.SeedAsync();
        var stdout = new WatchedWriter(line => line.StartsWith("http://", StringComparison.Ordinal));
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = DurexCli.InvokeAsync(world.Args("dashboard", "--url", "http://127.0.0.1:0"), stdout, stderr,
            new DurexCliEnvironment { GetVariable = _ => null, TimeProvider = world.Time }, stop.Token);

        var url = await stdout.Line.WaitAsync(Cli.HangGuard);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", url);
        Assert.DoesNotContain(":0/", url);
        using (var http = new HttpClient { BaseAddress = new Uri(url), Timeout = Cli.HangGuard })
        {
            var stats = JsonNode.Parse(await http.GetStringAsync("api/stats"))!;
            Assert.False((bool)stats["isRunning"]!);
            Assert.Equal(2, (long)stats["counts"]!["PENDING"]!);
            var health = JsonNode.Parse(await http.GetStringAsync("api/health"))!;
            Assert.Equal("healthy", (string)health["status"]!); // a never-started executor is expected here
            var config = JsonNode.Parse(await http.GetStringAsync("api/config"))!;
            Assert.True((bool)config["readOnly"]!);

            using var cancel = new HttpRequestMessage(HttpMethod.Post, $"api/commands/{seeded.Pending.Id}/cancel");
            cancel.Headers.Add("X-Durex-Dashboard", "1");
            using var refused = await http.SendAsync(cancel);
            Assert.False(refused.IsSuccessStatusCode);
            Assert.Contains(refused.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });

            var detail = JsonNode.Parse(await http.GetStringAsync($"api/commands/{seeded.Pending.Id}"))!;
            Assert.Equal("PENDING", (string)detail["command"]!["status"]!);
        }

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Cli.HangGuard));
        Assert.Contains("read-only", stderr.ToString());
        Assert.Contains("Dashboard stopped.", stderr.ToString());

        var pending = await world.GetAsync(seeded.Pending.Id);
        Assert.Equal(CommandStatus.Pending, pending.Status);
        Assert.Equal(0, pending.Attempt);
        Assert.DoesNotContain(await world.GetHistoryAsync(seeded.Pending.Id), e => e.Type == HistoryEventType.Started);
    }
}
