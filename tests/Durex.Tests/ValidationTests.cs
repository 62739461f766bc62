using Durex.Storage;

namespace Durex.Tests;

public class ValidationTests
{
    private static Executor NewExecutor() => new(new MemoryStore());

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("has space")]
    [InlineData("emoji🙂")]
    [InlineData("semi;colon")]
    public void Invalid_command_names_are_rejected_everywhere(string name)
    {
        Assert.Throws<ArgumentException>(() => new CommandSpec(name));
        Assert.Throws<ArgumentException>(() => NewExecutor().Handle(name, (_, _) => ValueTask.FromResult(CommandResult.Empty)));
        Assert.False(CommandNames.IsValid(name));
    }

    [Theory]
    [InlineData("sendEmail")]
    [InlineData("orders.v2/ship-it:now_1")]
    public void Valid_command_names(string name) => Assert.True(CommandNames.IsValid(name));

    [Fact]
    public void Names_longer_than_the_limit_are_rejected()
    {
        Assert.True(CommandNames.IsValid(new string('a', CommandNames.MaxLength)));
        Assert.False(CommandNames.IsValid(new string('a', CommandNames.MaxLength + 1)));
    }

    [Fact]
    public void Duplicate_handler_names_are_rejected()
    {
        var executor = NewExecutor();
        executor.Handle("a", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        var ex = Assert.Throws<InvalidOperationException>(() => executor.Handle("a", (_, _) => ValueTask.FromResult(CommandResult.Empty)));
        Assert.Contains("'a' is already registered", ex.Message);
    }

    [Fact]
    public void Handler_option_values_out_of_range_are_rejected()
    {
        var options = new CommandOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Retries(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Timeout(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Period(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Deadline(TimeSpan.Zero));
        var cron = Assert.Throws<ArgumentException>(() => options.Cron("61 * * * *"));
        Assert.Contains("Invalid cron expression '61 * * * *'", cron.Message);
        var zone = Assert.Throws<ArgumentException>(() => options.Cron("0 * * * *", "Mars/Olympus"));
        Assert.Contains("Unknown time zone 'Mars/Olympus'", zone.Message);
    }

    public static TheoryData<string, Action<CommandSpec>> InvalidSpecs => new()
    {
        { "Delay must not be negative", s => s.Delay = TimeSpan.FromSeconds(-1) },
        { "Period must be positive", s => s.Period = TimeSpan.Zero },
        { "Timeout must be positive", s => s.Timeout = TimeSpan.FromSeconds(-5) },
        { "Deadline must be positive", s => s.Deadline = TimeSpan.Zero },
        { "Retries must not be negative", s => s.Retries = -1 },
        { "UniqueKey must not be blank", s => s.UniqueKey = "  " },
        { "sequence step 'bad name'", s => s.Sequence = ["ok", "bad name"] },
        { "tags must not be blank", s => s.Tags = [""] },
        { "Invalid cron expression", s => s.Cron = "every day" },
        { "Unknown time zone", s => { s.Cron = "0 * * * *"; s.CronTimeZone = "Nowhere/Land"; } },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task Invalid_specs_are_rejected_with_a_message_naming_the_problem(string problem, Action<CommandSpec> breakIt)
    {
        await using var store = new MemoryStore();
        var executor = new Executor(store);
        var spec = new CommandSpec("job");
        breakIt(spec);
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await executor.AddAsync(spec));
        Assert.Contains("'job'", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.Empty((await store.FindAsync(new CommandQuery())).Items);
    }

    public static TheoryData<string, Action<ExecutorOptions>> InvalidOptions => new()
    {
        { "Parallelism", o => o.Parallelism = 0 },
        { "DefaultRetries", o => o.DefaultRetries = -2 },
        { "DefaultTimeout", o => o.DefaultTimeout = TimeSpan.Zero },
        { "DefaultPeriod", o => o.DefaultPeriod = TimeSpan.Zero },
        { "PollInterval", o => o.PollInterval = TimeSpan.Zero },
        { "ClaimBatchSize", o => o.ClaimBatchSize = 0 },
        { "MaxRescues", o => o.MaxRescues = -1 },
        { "ApplyBatchSize", o => o.ApplyBatchSize = 0 },
        { "LeaseDuration", o => o.LeaseDuration = TimeSpan.FromMilliseconds(10) },
        { "ShutdownTimeout", o => o.ShutdownTimeout = TimeSpan.FromSeconds(-1) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_executor_options_fail_at_construction(string option, Action<ExecutorOptions> breakIt)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Executor(new MemoryStore(), breakIt));
        Assert.Contains($"ExecutorOptions.{option}", ex.Message);
    }

    [Theory]
    [InlineData("dead_letter", CommandStatus.DeadLetter)]
    [InlineData("DEAD_LETTER", CommandStatus.DeadLetter)]
    [InlineData("DeadLetter", CommandStatus.DeadLetter)]
    [InlineData("failed", CommandStatus.Failed)]
    [InlineData(" Pending ", CommandStatus.Pending)]
    public void Statuses_parse_case_insensitively(string text, CommandStatus expected)
    {
        Assert.True(CommandStatusExtensions.TryParse(text, out var status));
        Assert.Equal(expected, status);
        Assert.False(CommandStatusExtensions.TryParse("nope", out _));
    }

    [Fact]
    public void Every_status_and_event_type_has_a_wire_name_that_parses_back()
    {
        foreach (var status in Enum.GetValues<CommandStatus>())
        {
            Assert.True(CommandStatusExtensions.TryParse(status.ToWireName(), out var parsed));
            Assert.Equal(status, parsed);
        }

        foreach (var type in Enum.GetValues<HistoryEventType>())
        {
            Assert.True(HistoryEventTypeExtensions.TryParse(type.ToWireName(), out var parsed));
            Assert.Equal(type, parsed);
        }
    }

    [Fact]
    public void Cursors_round_trip_and_garbage_is_rejected()
    {
        var cursor = new CommandCursor(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), Guid.NewGuid());
        Assert.True(CommandCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
        Assert.False(CommandCursor.TryDecode("", out _));
        Assert.False(CommandCursor.TryDecode("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", out _));
        Assert.False(CommandCursor.TryDecode(cursor.Encode()[..10], out _));
    }

    [Fact]
    public void Command_ids_are_monotonic_and_version_7()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 10_000).Select(_ => CommandIds.New(now)).ToArray();
        Assert.Equal(ids, ids.Order());
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.True(CommandIds.New(now + TimeSpan.FromDays(1)) > ids[^1]);
    }

    [Fact]
    public void Cron_schedule_supports_seconds_macros_and_time_zones()
    {
        var from = new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(from.AddSeconds(30), CronSchedule.Next("30 * * * * *", null, from));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero), CronSchedule.Next("@daily", null, from));
        // Paris switches to summer time on 2026-03-29: 09:00 local is 08:00 UTC before and 07:00 UTC after.
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero), CronSchedule.Next("0 9 * * *", "Europe/Paris", from));
        Assert.True(CronSchedule.IsValid("*/5 * * * *"));
        Assert.False(CronSchedule.IsValid("*/5 * * *"));
        Assert.False(CronSchedule.IsValid(null));
    }
}
