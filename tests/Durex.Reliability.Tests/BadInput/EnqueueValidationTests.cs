using Durex.Generation;
using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Durex.Reliability.Tests.BadInput;

/// <summary>
/// Bad specs are refused where they are built — at enqueue, before any store sees them — with an
/// <see cref="ArgumentException"/> saying what is wrong, and nothing is written. Checked on every store.
/// </summary>
public sealed class EnqueueValidationTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Stores => new() { "memory", "sqlite", "postgres" };

    /// <summary>A store for one test: the memory store has no tables, so its raw side is null.</summary>
    private static (ICommandStore Store, IAsyncDisposable Owner) Open(string kind)
    {
        if (kind == "memory")
        {
            var memory = new MemoryStore();
            return (memory, memory);
        }

        var raw = RawStore.Create(kind);
        return (raw.Store, raw);
    }

    private static async Task<long> CountAsync(ICommandStore store) =>
        (await store.GetStatisticsAsync(new StatisticsRequest { Now = Start })).Total;

    private static CommandSpec WithPayloadOfSize(string name, int bytes)
    {
        // {"b":"…"} is 8 bytes plus the string.
        var spec = new CommandSpec(name);
        spec.Data.Set("b", new string('x', bytes - 8));
        Assert.Equal(bytes, spec.Data.ToUtf8Json().Length);
        return spec;
    }

    [SkippableTheory]
    [MemberData(nameof(Stores))]
    public async Task Oversized_payloads_are_refused_at_enqueue_naming_the_command_and_the_sizes(string kind)
    {
        var (store, owner) = Open(kind);
        await using var _ = owner;
        await using var executor = new Executor(store, o => o.TimeProvider = new FakeTimeProvider(Start));
        Assert.Equal(1024 * 1024, executor.Options.MaxPayloadBytes);

        var atLimit = await executor.AddAsync(WithPayloadOfSize("upload", 1024 * 1024));
        Assert.Equal(1024 * 1024, (await executor.GetAsync(atLimit.Id))!.Payload.Length);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await executor.AddAsync(WithPayloadOfSize("upload", 1024 * 1024 + 1)));
        Assert.Contains("'upload'", error.Message);
        Assert.Contains("1,048,577 bytes", error.Message);
        Assert.Contains("MaxPayloadBytes (1,048,576)", error.Message);

        // All or nothing: one oversized spec in a batch adds none of them.
        var batch = new[] { new CommandSpec("small"), WithPayloadOfSize("bulk", 2 * 1024 * 1024), new CommandSpec("small") };
        error = await Assert.ThrowsAsync<ArgumentException>(async () => await executor.AddManyAsync(batch));
        Assert.Contains("'bulk'", error.Message);
        Assert.Contains("2,097,152 bytes", error.Message);
        Assert.Equal(1, await CountAsync(store));
    }

    [SkippableTheory]
    [MemberData(nameof(Stores))]
    public async Task The_payload_limit_is_configurable(string kind)
    {
        var (store, owner) = Open(kind);
        await using var _ = owner;
        await using var executor = new Executor(store, o =>
        {
            o.TimeProvider = new FakeTimeProvider(Start);
            o.MaxPayloadBytes = 100;
        });
        await executor.AddAsync(WithPayloadOfSize("small", 100));
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await executor.AddAsync(WithPayloadOfSize("small", 101)));
        Assert.Contains("101 bytes", error.Message);
        Assert.Contains("(100)", error.Message);
        Assert.Equal(1, await CountAsync(store));

        Assert.Contains("MaxPayloadBytes", Assert.Throws<ArgumentException>(() => new Executor(store, o => o.MaxPayloadBytes = 0)).Message);
    }

    [Fact]
    public async Task The_payload_limit_is_read_from_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Durex:MaxPayloadBytes"] = "2048" })
            .Build();
        var services = new ServiceCollection();
        services.AddDurex(configuration.GetSection("Durex"), o => o.UseInMemory());
        await using var provider = services.BuildServiceProvider();
        Assert.Equal(2048, provider.GetRequiredService<Executor>().Options.MaxPayloadBytes);
    }

    [Fact]
    public async Task Transactional_enqueue_on_sqlite_checks_the_limit_before_writing()
    {
        await using var raw = new SqliteRawStore();
        await using var executor = new Executor(raw.Store, o => o.TimeProvider = new FakeTimeProvider(Start));
        await raw.Store.InitializeAsync();
        await using var connection = new SqliteConnection($"Data Source={raw.Path}");
        await connection.OpenAsync();
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync())
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(async () => await executor.AddAsync(WithPayloadOfSize("upload", 1024 * 1024 + 1), transaction));
            Assert.Contains("MaxPayloadBytes", error.Message);
            await executor.AddAsync(new CommandSpec("small"), transaction); // the transaction is still usable
            await transaction.CommitAsync();
        }

        Assert.Equal(1, await raw.CountAsync());
    }

    [SkippableFact]
    public async Task Transactional_enqueue_on_postgres_checks_the_limit_before_writing()
    {
        await using var raw = new PostgresRawStore();
        await using var executor = new Executor(raw.Store, o => o.TimeProvider = new FakeTimeProvider(Start));
        await raw.Store.InitializeAsync();
        await using var connection = new NpgsqlConnection(raw.ConnectionString);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
                await executor.AddManyAsync([new CommandSpec("small"), WithPayloadOfSize("upload", 1024 * 1024 + 1)], transaction));
            Assert.Contains("'upload'", error.Message);
            await executor.AddAsync(new CommandSpec("small"), transaction); // nothing was sent: the transaction is not aborted
            await transaction.CommitAsync();
        }

        Assert.Equal(1, await raw.CountAsync());
    }

    [Fact]
    public async Task A_result_spawning_an_oversized_child_fails_its_command_once_without_retries()
    {
        await using var store = new MemoryStore();
        await using var executor = new Executor(store, o =>
        {
            o.TimeProvider = new FakeTimeProvider(Start);
            o.MaxPayloadBytes = 1000;
        });
        var runs = 0;
        executor.Handle("parent", (_, _) =>
        {
            runs++;
            return ValueTask.FromResult(CommandResult.Next(WithPayloadOfSize("child", 5000)));
        }, c => c.Retries(3));
        await executor.StartAsync();
        var parent = await executor.AddAsync(new CommandSpec("parent"));
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);

        var failed = (await executor.GetAsync(parent.Id))!;
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Equal(1, runs);
        Assert.Contains("result is invalid", failed.Error);
        Assert.Contains("5,000 bytes", failed.Error);
        Assert.Equal(1, await CountAsync(store)); // no child
    }

    [Fact]
    public void Malformed_payload_json_is_refused_with_the_parser_message()
    {
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => CommandData.FromJson("{\"to\": ")).Message);
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => CommandData.FromJson("{'single': 'quotes'}")).Message);
        Assert.Contains("trailing data", Assert.Throws<ArgumentException>(() => CommandData.FromJson("{} {}")).Message);
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => CommandData.FromJson(new byte[] { 0xff, 0xfe, 0x00 })).Message);
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => CommandData.FromJson(new string('[', 2000) + new string(']', 2000))).Message);
        Assert.Equal("{}", CommandData.FromJson("").ToString());
        Assert.Equal("[1,2]", CommandData.FromJson("[1,2]").ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("has space")]
    [InlineData("quote'")]
    [InlineData("semi;colon")]
    [InlineData("ünïcode")]
    [InlineData("nul\0")]
    public void Null_empty_and_invalid_names_are_refused_everywhere_a_name_is_given(string? name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new CommandSpec(name!));
        var executor = new Executor(new MemoryStore());
        Assert.ThrowsAny<ArgumentException>(() => executor.Handle(name!, (_, _) => ValueTask.FromResult(CommandResult.Empty)));
        Assert.ThrowsAny<ArgumentException>(() => executor.Options.LimitConcurrency(name!, 1));
        Assert.ThrowsAny<ArgumentException>(() => executor.CreateCommand(new CommandSpec("ok") { Sequence = { name! } }));
    }

    [Fact]
    public void A_name_longer_than_200_characters_is_refused()
    {
        new CommandSpec(new string('a', 200)).ToString();
        Assert.Contains("1–200", Assert.Throws<ArgumentException>(() => new CommandSpec(new string('a', 201))).Message);
    }

    public static TheoryData<string, Action<CommandSpec>, string> BadSpecs => new()
    {
        { "negative delay", s => s.Delay = TimeSpan.FromSeconds(-1), "Delay must not be negative" },
        { "zero period", s => s.Period = TimeSpan.Zero, "Period must be positive" },
        { "negative timeout", s => s.Timeout = TimeSpan.FromMilliseconds(-5), "Timeout must be positive" },
        { "zero deadline", s => s.Deadline = TimeSpan.Zero, "Deadline must be positive" },
        { "negative retries", s => s.Retries = -1, "Retries must not be negative" },
        { "blank unique key", s => s.UniqueKey = " ", "UniqueKey must not be blank" },
        { "blank tag", s => s.Tags.Add(""), "tags must not be blank" },
        { "invalid cron", s => s.Cron = "61 * * * *", "Invalid cron expression" },
        { "cron with 7 fields", s => s.Cron = "* * * * * * *", "Invalid cron expression" },
        { "cron time zone unknown", s => { s.Cron = "0 3 * * *"; s.CronTimeZone = "Mars/Olympus"; }, "Unknown time zone" },
        { "NUL in a tag", s => s.Tags.Add("a\0b"), "NUL" },
        { "NUL in the unique key", s => s.UniqueKey = "k\0", "NUL" },
        { "NUL in the correlation id", s => s.CorrelationId = "\0", "NUL" },
        { "tag over 1 KiB", s => s.Tags.Add(new string('t', 1025)), "1,025 bytes" },
        { "unique key over 1 KiB of UTF-8", s => s.UniqueKey = new string('日', 342), "1,026 bytes" },
        { "correlation id over 1 KiB", s => s.CorrelationId = new string('c', 5000), "5,000 bytes" },
        { "invalid sequence step", s => s.Sequence.Add("no spaces allowed"), "sequence step" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Bad_specs_are_refused_at_enqueue_saying_what_is_wrong(string what, Action<CommandSpec> spoil, string message)
    {
        await using var store = new MemoryStore();
        await using var executor = new Executor(store);
        var spec = new CommandSpec("job");
        spoil(spec);
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await executor.AddAsync(spec));
        Assert.Contains("'job'", error.Message);
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{what}: {error.Message}");
        await Assert.ThrowsAsync<ArgumentException>(async () => await executor.AddManyAsync([new CommandSpec("job"), spec]));
        Assert.Equal(0, await CountAsync(store));
    }

    [Fact]
    public void Bad_handler_options_and_generated_schedules_are_refused_at_registration()
    {
        var executor = new Executor(new MemoryStore());
        Assert.Throws<ArgumentException>(() => executor.Handle("job", (_, _) => ValueTask.FromResult(CommandResult.Empty), c => c.Cron("not a cron")));
        Assert.Throws<ArgumentException>(() => executor.Handle("job", (_, _) => ValueTask.FromResult(CommandResult.Empty), c => c.Cron("@daily", "No/Such_Zone")));
        Assert.ThrowsAny<ArgumentException>(() => executor.Handle("job", (_, _) => ValueTask.FromResult(CommandResult.Empty), c => c.Retries(-1)));
        Assert.ThrowsAny<ArgumentException>(() => GeneratedCode.At(null, null, TimeSpan.FromSeconds(-1)));
        Assert.ThrowsAny<ArgumentException>(() => new Executor(new MemoryStore(), o => o.InstanceName = "a\0b"));
    }

    [SkippableTheory]
    [MemberData(nameof(Stores))]
    public async Task Keys_of_exactly_1_KiB_are_stored_and_found_on_every_store(string kind)
    {
        var (store, owner) = Open(kind);
        await using var _ = owner;
        await using var executor = new Executor(store, o => o.TimeProvider = new FakeTimeProvider(Start));
        // Random text does not compress: this is the largest index entry a spec can produce.
        var random = new Random(1024);
        string Text() => new(Enumerable.Range(0, CommandSpec.MaxKeyBytes).Select(_ => (char)random.Next('!', '~' + 1)).ToArray());
        var (tag, key, correlation) = (Text(), Text(), Text());
        var added = await executor.AddAsync(new CommandSpec("job") { Tags = { tag }, UniqueKey = key, CorrelationId = correlation });

        Assert.Equal(added.Id, Assert.Single((await executor.FindAsync(new CommandQuery { Tag = tag, CorrelationId = correlation })).Items).Id);
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await executor.AddAsync(new CommandSpec("job") { UniqueKey = key }));
        Assert.Equal(1, await executor.CancelByTagAsync(tag));
    }

    [Fact]
    public void Query_filters_with_nul_are_refused_with_the_filter_named()
    {
        Assert.Contains("tag filter", Assert.Throws<ArgumentException>(() => new CommandQuery { Tag = "a\0" }.Validate()).Message);
        Assert.Contains("name filter", Assert.Throws<ArgumentException>(() => new CommandQuery { Name = "\0" }.Validate()).Message);
        Assert.Contains("correlation id", Assert.Throws<ArgumentException>(() => new CommandQuery { CorrelationId = "x\0" }.Validate()).Message);
        Assert.Contains("search", Assert.Throws<ArgumentException>(() => new CommandQuery { Search = "\0" }.Validate()).Message);
    }
}
