using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Durex.Cli.Tests;

/// <summary>Garbage in: every bad argument is a usage error (2) that names the problem, found before the store is touched.</summary>
public sealed class ArgumentTests
{
    private static readonly string Id = Guid.NewGuid().ToString();

    public static TheoryData<string[], string> UsageErrors => new()
    {
        { [], "Required command was not provided" },
        { ["frobnicate"], "Unrecognized command or argument 'frobnicate'" },
        { ["list", "--frobnicate"], "Unrecognized command or argument '--frobnicate'" },
        { ["stats", "--json", "extra"], "Unrecognized command or argument 'extra'" },
        { ["get"], "Required argument missing" },
        { ["get", "not-a-guid"], "'not-a-guid' is not a valid command id" },
        { ["get", Id, "surplus"], "Unrecognized command or argument 'surplus'" },
        { ["retry", "12345"], "'12345' is not a valid command id" },
        { ["replay", "{oops}"], "is not a valid command id" },
        { ["cancel", "x"], "'x' is not a valid command id" },
        { ["list", "--status", "bogus"], "--status 'bogus' is not a command status: use one or more of PENDING, WAITING, STARTED, REPEATING, COMPLETED, FAILED, EXPIRED, CANCELLED, DEAD_LETTER" },
        { ["list", "--status", "pending,nope"], "--status 'nope' is not a command status" },
        { ["list", "--status", "failed", "dead_letter"], "Unrecognized command or argument 'dead_letter'" },
        { ["list", "--limit", "0"], "--limit '0' is not a page size: use a whole number from 1 to 1000" },
        { ["list", "--limit", "1001"], "--limit '1001' is not a page size" },
        { ["list", "--limit", "ten"], "--limit 'ten' is not a page size" },
        { ["list", "--order", "sideways"], "--order 'sideways' is not an order: use 'newest' (the default) or 'oldest'" },
        { ["list", "--cursor", "garbage"], "--cursor 'garbage' is not a cursor" },
        { ["list", "--created-from", "yesterday"], "--created-from 'yesterday' is not a time: use ISO 8601" },
        { ["list", "--parent-id", "p"], "'p' is not a valid --parent-id" },
        { ["list", "--search", new string('x', 501)], "--search is 501 characters long: at most 500 are allowed" },
        { ["purge", "--older-than", "7d"], "Say what to purge: add --dlq" },
        { ["purge", "--dlq"], "Purge needs --older-than" },
        { ["purge", "--dlq", "--older-than", "7x"], "--older-than '7x' is not a duration: use a whole number and a unit, e.g. 30m, 12h, 7d" },
        { ["purge", "--dlq", "--older-than", "7"], "--older-than '7' is not a duration" },
        { ["purge", "--dlq", "--older-than", "1.5h"], "--older-than '1.5h' is not a duration" },
        { ["purge", "--dlq", "--older-than", "7D"], "--older-than '7D' is not a duration" },
        { ["purge", "--dlq", "--older-than", "d"], "--older-than 'd' is not a duration" },
        { ["purge", "--dlq", "--older-than", "99999999w"], "is longer than 100 years" },
        { ["purge", "--dlq", "--older-than", "1d", "--batch-size", "0"], "--batch-size '0' is not valid: use a whole number from 1 to 100000" },
        { ["migrate", "--progress", "loud"], "--progress 'loud' is not a progress mode: use auto, always or never" },
        { ["cancel"], "Say what to cancel" },
        { ["cancel", Id, "--tag", "t"], "Give a command id or --tag, not both" },
        { ["cancel", "--tag", "t", "--reason", "r"], "--reason applies to cancelling one command by id" },
        { ["dashboard", "--url", "http://0.0.0.0:8080"], "is not a loopback address" },
        { ["dashboard", "--url", "http://example.com:8080"], "is not a loopback address" },
        { ["dashboard", "--url", "https://127.0.0.1:8080"], "is not a URL to listen on" },
        { ["dashboard", "--url", "127.0.0.1:8080"], "is not a URL to listen on" },
        { ["dashboard", "--url", "http://127.0.0.1:8080/durex"], "is not a URL to listen on" },
        { ["stats", "--schema", "app"], "--schema applies to PostgreSQL only" },
        { ["stats", "--table-prefix", "bad-prefix!"], "Cannot open the SQLite store from --sqlite: TablePrefix 'bad-prefix!' must be" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Bad_arguments_exit_2_before_the_store_is_touched(string[] args, string message)
    {
        // The store does not exist: a usage error must win over "no such database", and nothing may be created.
        var folder = Path.Combine(Path.GetTempPath(), "durex-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var result = await Cli.RunAsync(ExitCodes.Usage, [.. args, "--sqlite", Path.Combine(folder, "durex.db")]);

            Assert.Contains(message, result.Err);
            Assert.StartsWith("durex: ", result.Err);
            Assert.Equal("", result.Out);
            Assert.Empty(Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Parse_errors_point_at_the_commands_help()
    {
        var result = await Cli.RunAsync(ExitCodes.Usage, ["list", "--frobnicate", "--sqlite", "x.db"]);
        Assert.Contains("Run 'durex list --help' for usage.", result.Err);

        var missing = await Cli.RunAsync(ExitCodes.Usage, ["--sqlite", "x.db", "list", "--status"]);
        Assert.Contains("Required argument missing for option: '--status'", missing.Err);
        Assert.False(File.Exists("x.db"));
    }

    public static TheoryData<string[], Dictionary<string, string>, string> StoreSelectionErrors => new()
    {
        { ["stats"], new(), "No store given: give --sqlite PATH or --postgres CONNSTR, or set DUREX_STORE=sqlite:PATH or DUREX_STORE=postgres:CONNSTR" },
        { ["stats", "--sqlite", "a.db", "--postgres", "Host=localhost"], new(), "Both --sqlite and --postgres were given: choose one store" },
        { ["stats", "--sqlite", ""], new(), "--sqlite needs the path of the database file" },
        { ["stats", "--postgres", " "], new(), "--postgres needs a connection string" },
        { ["stats"], new() { ["DUREX_STORE"] = "mysql://localhost/app" }, "DUREX_STORE must start with 'sqlite:' or 'postgres:'" },
        { ["stats"], new() { ["DUREX_STORE"] = "durex.db" }, "DUREX_STORE must start with 'sqlite:' or 'postgres:'" },
        { ["stats"], new() { ["DUREX_STORE"] = "sqlite:" }, "DUREX_STORE names no file after 'sqlite:'" },
        { ["stats"], new() { ["DUREX_STORE"] = "postgres:  " }, "DUREX_STORE names no connection string after 'postgres:'" },
        { ["stats", "--postgres", "Hostx=1"], new(), "The PostgreSQL connection string from --postgres is invalid" },
        { ["stats"], new() { ["DUREX_STORE"] = "postgresql:Nonsense=1" }, "The PostgreSQL connection string from DUREX_STORE is invalid" },
        { ["stats", "--postgres", "Host=localhost", "--schema", "bad-schema"], new(), "Schema name 'bad-schema' must be a plain identifier" },
        { ["stats", "--sqlite", "Data Source=:memory:"], new(), "in-memory SQLite database" },
    };

    [Theory]
    [MemberData(nameof(StoreSelectionErrors))]
    public async Task Store_selection_errors_exit_2(string[] args, Dictionary<string, string> variables, string message)
    {
        var result = await Cli.RunAsync(ExitCodes.Usage, args, variables);
        Assert.Contains(message, result.Err);
    }

    [Fact]
    public async Task A_file_that_is_not_a_SQLite_database_exits_5()
    {
        await using var store = new SqliteCliStore();
        await File.WriteAllTextAsync(store.FilePath, "this is a text file, not a database, and it is long enough to have a header");

        var result = await Cli.RunAsync(ExitCodes.StoreUnavailable, ["list", .. store.Args]);

        Assert.Contains($"Cannot use the SQLite database '{store.FilePath}'", result.Err);
        Assert.Contains("not a database", result.Err);
        Assert.Contains("Check the path (from --sqlite)", result.Err);
    }

    [Fact]
    public async Task An_unreachable_PostgreSQL_server_exits_5_without_echoing_the_password()
    {
        var result = await Cli.RunAsync(ExitCodes.StoreUnavailable, ["stats", "--postgres", "Host=127.0.0.1;Port=1;Username=ops;Password=s3cret;Database=jobs;Timeout=5"]);

        Assert.Contains("Cannot use the PostgreSQL database 'jobs' on 127.0.0.1:1 (schema durex)", result.Err);
        Assert.Contains("Check the connection string (from --postgres) and that the server is running and reachable.", result.Err);
        Assert.DoesNotContain("s3cret", result.Err);
    }

    [Fact]
    public async Task Migrate_into_a_missing_folder_exits_5_and_names_the_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "durex-cli-" + Guid.NewGuid().ToString("N"));
        var result = await Cli.RunAsync(ExitCodes.StoreUnavailable, ["migrate", "--sqlite", Path.Combine(folder, "durex.db")]);

        Assert.Contains($"the folder '{folder}' does not exist", result.Err);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Migrate_upgrades_an_older_schema_and_says_from_which_version()
    {
        await using var world = new World(new SqliteCliStore());
        var seeded = await world.SeedAsync();
        // Back to version 2: migration 3 added the status counters.
        await ExecuteSqliteAsync(((SqliteCliStore)world.Store).FilePath, """
            DROP TRIGGER durex_commands_count_insert;
            DROP TRIGGER durex_commands_count_update;
            DROP TRIGGER durex_commands_count_delete;
            DROP TABLE durex_status_counts;
            DELETE FROM durex_schema_version WHERE version = 3;
            """);

        var result = await world.RunAsync(0, world.Args("migrate", "--progress", "never"));

        Assert.Contains("from version 2 to 3", result.Out);
        var stats = (await world.RunAsync(0, world.Args("stats", "--json"))).Json();
        Assert.Equal(5, (long)stats["total"]!);
        Assert.Equal(2, (long)stats["counts"]!["PENDING"]!);
        Assert.Equal(CommandStatus.DeadLetter, (await world.GetAsync(seeded.DeadLetter.Id)).Status);
    }

    [Fact]
    public async Task A_table_prefix_selects_an_application_s_own_tables()
    {
        await using var store = new SqliteCliStore();
        await using (var prefixed = new Durex.Sqlite.SqliteStore(store.FilePath, new Durex.Sqlite.SqliteStoreOptions { TablePrefix = "app1_" }))
        await using (var client = new Executor(prefixed))
        {
            await client.AddAsync(new CommandSpec("later"));
        }

        Assert.Contains("has no Durex tables (tables prefixed 'durex_')", (await Cli.RunAsync(5, ["stats", .. store.Args])).Err);
        var stats = await Cli.RunAsync(0, ["stats", "--json", "--table-prefix", "app1_", .. store.Args]);
        Assert.Equal(1, (long)stats.Json()["counts"]!["PENDING"]!);
    }

    [Fact]
    public async Task A_payload_written_outside_Durex_that_is_not_JSON_is_shown_as_such()
    {
        await using var world = new World(new SqliteCliStore());
        var seeded = await world.SeedAsync();
        await ExecuteSqliteAsync(((SqliteCliStore)world.Store).FilePath, "UPDATE durex_commands SET payload = CAST('{not json' AS BLOB)");

        var text = await world.RunAsync(ExitCodes.Success, world.Args("get", seeded.Pending.Id.ToString()));
        var json = await world.RunAsync(ExitCodes.Success, world.Args("get", seeded.Pending.Id.ToString(), "--json"));

        Assert.Contains("not valid JSON", text.Out);
        Assert.Contains("{not json", text.Out);
        using var document = JsonDocument.Parse(json.Out);
        Assert.StartsWith("(not valid JSON", document.RootElement.GetProperty("command").GetProperty("payload").GetString());
    }

    [Fact]
    public async Task A_value_the_library_refuses_is_a_usage_error_and_changes_nothing()
    {
        // Found by the fuzz test: these were "Unexpected error" (exit 1).
        await using var world = new World(new SqliteCliStore());
        var seeded = await world.SeedAsync();

        var nul = await world.RunAsync(ExitCodes.Usage, world.Args("cancel", seeded.Pending.Id.ToString(), "--reason", "a\0b"));
        var keyword = await Cli.RunAsync(ExitCodes.Usage, ["stats", "--postgres", "garbage===;;"]);

        Assert.Contains("NUL character", nul.Err);
        Assert.DoesNotContain("(Parameter", nul.Err);
        Assert.Equal(CommandStatus.Pending, (await world.GetAsync(seeded.Pending.Id)).Status);
        Assert.Contains("The PostgreSQL connection string from --postgres is invalid", keyword.Err);
    }

    [Fact]
    public async Task Ctrl_C_before_the_store_answers_exits_130()
    {
        await using var world = new World(new SqliteCliStore());
        await world.InitializeAsync();

        var result = await Cli.RunAsync(world.Args("stats"), time: world.Time, cancellationToken: new CancellationToken(canceled: true));

        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        Assert.Contains("Interrupted.", result.Err);
    }

    [Fact]
    public async Task Help_and_version_exit_0_on_stdout()
    {
        var help = await Cli.RunAsync(0, ["--help"]);
        Assert.Contains("durex [command] [options]", help.Out);
        foreach (var command in new[] { "list", "get", "cancel", "retry", "replay", "purge", "stats", "migrate", "dashboard" })
        {
            Assert.Contains("  " + command, help.Out);
        }

        var list = await Cli.RunAsync(0, ["list", "--help"]);
        Assert.Contains("--status <STATUS>", list.Out);
        Assert.Contains("--sqlite <PATH>", list.Out);
        Assert.Equal("", list.Err);

        var version = await Cli.RunAsync(0, ["--version"]);
        Assert.StartsWith(typeof(DurexCli).Assembly.GetName().Version!.ToString(3) + "+", version.Out);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("45s", 45)]
    [InlineData("30m", 30 * 60)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("1d12h", 36 * 3600)]
    [InlineData("1h30m15s", 5415)]
    [InlineData(" 7d ", 7 * 86400)]
    public void Durations_take_whole_numbers_with_units(string text, long seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), InputParser.ParseDuration(text, "--older-than"));

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("7x")]
    [InlineData("1.5h")]
    [InlineData("-1d")]
    [InlineData("7 d")]
    [InlineData("7days")]
    [InlineData("1234567890123456789s")]
    public void Other_durations_are_refused(string text)
    {
        var error = Assert.Throws<CliException>(() => InputParser.ParseDuration(text, "--older-than"));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    internal static async Task ExecuteSqliteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
