namespace Durex.Conformance;

/// <summary>
/// The engine's behaviour (results, retries, schedules, workflows, failures, history), run on every store: each store's
/// test project derives this class once.
/// </summary>
public abstract partial class EngineConformanceTests : EngineTestBase
{
    [SkippableFact]
    public async Task Empty_result_completes_the_command()
    {
        Handle("greet");
        await StartAsync();
        var command = await AddAsync(new CommandSpec("greet") { Data = { ["name"] = "World" } });
        await RunUntilIdleAsync();

        Assert.Equal(["greet#1"], Calls);
        var stored = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Completed, stored.Status);
        Assert.Equal(Now, stored.CompletedAt);
        Assert.Equal(1, stored.Attempt);
        Assert.Null(stored.Error);
        Assert.Null(stored.LeaseOwner);
        Assert.Equal([HistoryEventType.Created, HistoryEventType.Started, HistoryEventType.Completed], await EventsOf(command.Id));
    }

    [SkippableFact]
    public async Task Commands_added_before_start_run_once_started()
    {
        Handle("greet");
        var command = await AddAsync(new CommandSpec("greet"));
        Assert.Equal(CommandStatus.Pending, await StatusOf(command.Id));
        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task Next_spawns_a_child_that_inherits_trace_and_correlation()
    {
        Handle("parent", _ => CommandResult.Next(new CommandSpec("child") { Data = { ["n"] = 1 } }));
        Handle("child");
        await StartAsync();
        var parent = await AddAsync(new CommandSpec("parent") { TraceId = "trace-9" });
        await RunUntilIdleAsync();

        Assert.Equal(["parent#1", "child#1"], Calls);
        var child = Assert.Single((await Store.FindAsync(new() { ParentId = parent.Id })).Items);
        Assert.Equal(CommandStatus.Completed, child.Status);
        Assert.Equal("trace-9", child.TraceId);
        Assert.Equal(parent.Id.ToString(), parent.CorrelationId);
        Assert.Equal(parent.CorrelationId, child.CorrelationId);
        Assert.Equal(1, child.Data.GetInt32("n"));
    }

    [SkippableFact]
    public async Task Spawn_enqueues_every_child()
    {
        Handle("fanout", _ => CommandResult.Spawn(Enumerable.Range(0, 5).Select(i => new CommandSpec("leaf") { Data = { ["i"] = i } })));
        var seen = new List<int>();
        Executor.Handle("leaf", (ctx, _) =>
        {
            lock (seen)
            {
                seen.Add(ctx.Data.GetInt32("i"));
            }

            return Done();
        });
        await StartAsync();
        var root = await AddAsync(new CommandSpec("fanout"));
        await RunUntilIdleAsync();

        Assert.Equal([0, 1, 2, 3, 4], seen.Order());
        var children = (await Store.FindAsync(new() { ParentId = root.Id })).Items;
        Assert.Equal(5, children.Count);
        Assert.All(children, c => Assert.Equal(CommandStatus.Completed, c.Status));
    }

    [SkippableFact]
    public async Task Repeat_runs_again_after_the_period_with_a_fresh_attempt_count()
    {
        var runs = 0;
        Handle("heartbeat", ctx => ++runs < 3 ? CommandResult.Repeat() : CommandResult.Empty);
        await StartAsync();
        var command = await AddAsync(new CommandSpec("heartbeat") { Period = TimeSpan.FromMinutes(10) });
        await RunUntilIdleAsync();
        Assert.Equal(1, runs);
        var repeating = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Repeating, repeating.Status);
        Assert.Equal(Now + TimeSpan.FromMinutes(10), repeating.ReadyAt);
        Assert.Equal(0, repeating.Attempt);

        await AdvanceAsync(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(1, runs);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(2, runs);
        await AdvanceAsync(TimeSpan.FromMinutes(10));
        Assert.Equal(3, runs);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
        Assert.Equal(["heartbeat#1", "heartbeat#1", "heartbeat#1"], Calls);
        Assert.Equal(2, (await EventsOf(command.Id)).Count(e => e == HistoryEventType.Repeating));
    }

    [SkippableFact]
    public async Task Repeat_uses_the_handler_period_then_the_executor_default()
    {
        Handle("withPeriod", _ => CommandResult.Repeat(), c => c.Period(TimeSpan.FromMinutes(5)));
        Handle("withDefault", _ => CommandResult.Repeat());
        await StartAsync();
        var a = await AddAsync(new CommandSpec("withPeriod"));
        var b = await AddAsync(new CommandSpec("withDefault"));
        await RunUntilIdleAsync();
        Assert.Equal(Now + TimeSpan.FromMinutes(5), (await GetAsync(a.Id)).ReadyAt);
        Assert.Equal(Now + Executor.Options.DefaultPeriod, (await GetAsync(b.Id)).ReadyAt);
    }

    [SkippableFact]
    public async Task Repeat_with_an_explicit_delay_overrides_period_and_cron()
    {
        Handle("poll", _ => CommandResult.Repeat(TimeSpan.FromSeconds(42)));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("poll") { Period = TimeSpan.FromHours(1), Cron = "0 0 * * *", RunAt = Now });
        await RunUntilIdleAsync();
        Assert.Equal(Now + TimeSpan.FromSeconds(42), (await GetAsync(command.Id)).ReadyAt);
    }

    [SkippableFact]
    public async Task Cron_aligns_the_first_run_and_every_repeat_to_the_schedule()
    {
        Handle("hourly", _ => CommandResult.Repeat());
        await StartAsync();
        Time.Advance(TimeSpan.FromMinutes(20)); // 09:20
        var command = await AddAsync(new CommandSpec("hourly") { Cron = "0 * * * *" });
        Assert.Equal(Epoch + TimeSpan.FromHours(1), command.ReadyAt);
        await RunUntilIdleAsync();
        Assert.Empty(Calls);

        await AdvanceAsync(TimeSpan.FromMinutes(40)); // 10:00
        Assert.Single(Calls);
        Assert.Equal(Epoch + TimeSpan.FromHours(2), (await GetAsync(command.Id)).ReadyAt);
        await AdvanceAsync(TimeSpan.FromHours(1)); // 11:00
        Assert.Equal(2, Calls.Count);
    }

    [SkippableFact]
    public async Task Cron_is_evaluated_in_its_time_zone()
    {
        Handle("morning", _ => CommandResult.Repeat());
        await StartAsync();
        // Epoch is Monday 09:00 UTC = 10:00 in Paris (winter, UTC+1); 09:00 Paris is 08:00 UTC.
        var command = await AddAsync(new CommandSpec("morning") { Cron = "0 9 * * *", CronTimeZone = "Europe/Paris" });
        Assert.Equal(new DateTimeOffset(2026, 1, 6, 8, 0, 0, TimeSpan.Zero), command.ReadyAt);
        await AdvanceAsync(command.ReadyAt - Now);
        Assert.Single(Calls);
        Assert.Equal(new DateTimeOffset(2026, 1, 7, 8, 0, 0, TimeSpan.Zero), (await GetAsync(command.Id)).ReadyAt);
    }

    [SkippableFact]
    public async Task Handler_cron_default_schedules_repeats()
    {
        Handle("nightly", _ => CommandResult.Repeat(), c => c.Cron("30 2 * * *"));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("nightly") { RunAt = Now });
        await RunUntilIdleAsync();
        Assert.Equal(new DateTimeOffset(2026, 1, 6, 2, 30, 0, TimeSpan.Zero), (await GetAsync(command.Id)).ReadyAt);
    }

    [SkippableFact]
    public async Task Retry_result_runs_another_attempt_and_consumes_a_retry()
    {
        Handle("poll", ctx => ctx.Attempt < 3 ? CommandResult.Retry() : CommandResult.Empty, c => c.Retries(5));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("poll"));
        await RunUntilIdleAsync();
        Assert.Equal(["poll#1", "poll#2", "poll#3"], Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
        Assert.Equal(2, (await EventsOf(command.Id)).Count(e => e == HistoryEventType.Retrying));
    }

    [SkippableFact]
    public async Task Retry_result_without_retries_left_fails_the_command()
    {
        Handle("poll", _ => CommandResult.Retry(), c => c.Retries(1));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("poll"));
        await RunUntilIdleAsync();
        Assert.Equal(["poll#1", "poll#2"], Calls);
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Contains("no retries are left", failed.Error);
    }

    [SkippableFact]
    public async Task Retry_result_waits_for_the_backoff()
    {
        Handle("poll", ctx => ctx.Attempt == 1 ? CommandResult.Retry() : CommandResult.Empty,
            c => c.Retries(1).Backoff(Backoff.Constant(TimeSpan.FromSeconds(30))));
        await StartAsync();
        await AddAsync(new CommandSpec("poll"));
        await RunUntilIdleAsync();
        Assert.Single(Calls);
        await AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, Calls.Count);
    }

    [SkippableFact]
    public async Task Continue_sequence_passes_data_from_step_to_step()
    {
        Handle("validate", ctx =>
        {
            ctx.Set("validated", true).Set("total", 120);
            return ctx.ContinueSequence();
        });
        Handle("charge", ctx =>
        {
            Assert.True(ctx.Data.GetBoolean("validated"));
            Assert.Equal(["ship"], ctx.Sequence);
            return ctx.ContinueSequence(new CommandData { ["charged"] = ctx.Data.GetInt32("total") });
        });
        var final = new TaskCompletionSource<CommandData>();
        Executor.Handle("ship", (ctx, _) =>
        {
            Calls.Enqueue("ship#1");
            final.SetResult(ctx.Data.Clone());
            Assert.Empty(ctx.Sequence);
            return ValueTask.FromResult(ctx.ContinueSequence());
        });
        await StartAsync();
        var root = await AddAsync(new CommandSpec("validate")
        {
            Sequence = ["charge", "ship"],
            Data = { ["orderId"] = "123" },
            TraceId = "trace-seq",
            CorrelationId = "order-123",
        });
        await RunUntilIdleAsync();

        Assert.Equal(["validate#1", "charge#1", "ship#1"], Calls);
        var data = await final.Task;
        Assert.Equal("123", data.GetString("orderId"));
        Assert.True(data.GetBoolean("validated"));
        Assert.Equal(120, data.GetInt32("charged"));
        var workflow = await Executor.FindByCorrelationIdAsync("order-123");
        Assert.Equal(["validate", "charge", "ship"], workflow.Select(c => c.Name));
        Assert.All(workflow, c => Assert.Equal("trace-seq", c.TraceId));
        Assert.All(workflow, c => Assert.Equal(CommandStatus.Completed, c.Status));
        Assert.Equal(root.Id, workflow[1].ParentId);
        Assert.Equal(workflow[1].Id, workflow[2].ParentId);
        // the first step's own stored data includes what it set
        Assert.True((await GetAsync(root.Id)).Data.GetBoolean("validated"));
    }

    [SkippableFact]
    public async Task Priority_decides_which_ready_command_runs_first()
    {
        UseExecutor(o => o.Parallelism = 1);
        var order = new List<string?>();
        Executor.Handle("job", (ctx, _) =>
        {
            order.Add(ctx.Data.GetString("n"));
            return Done();
        });
        await AddAsync(new CommandSpec("job") { Priority = 1, Data = { ["n"] = "low" } });
        await AddAsync(new CommandSpec("job") { Priority = 9, Data = { ["n"] = "high" } });
        await AddAsync(new CommandSpec("job") { Data = { ["n"] = "none" } });
        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Equal(["high", "low", "none"], order);
    }
}
