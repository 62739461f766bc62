namespace Durex.Conformance;

public abstract partial class EngineConformanceTests
{
    [SkippableFact]
    public async Task Delayed_command_runs_exactly_when_its_delay_is_over()
    {
        Handle("reminder");
        await StartAsync();
        var command = await AddAsync(new CommandSpec("reminder") { Delay = TimeSpan.FromHours(24) });
        Assert.Equal(Now + TimeSpan.FromHours(24), command.ReadyAt);
        await RunUntilIdleAsync();
        await AdvanceAsync(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Empty(Calls);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(["reminder#1"], Calls);
    }

    [SkippableFact]
    public async Task Run_at_schedules_an_absolute_time()
    {
        Handle("report");
        await StartAsync();
        await AddAsync(new CommandSpec("report") { RunAt = Now + TimeSpan.FromMinutes(90), Delay = TimeSpan.FromMinutes(1) });
        await AdvanceAsync(TimeSpan.FromMinutes(89));
        Assert.Empty(Calls);
        await AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Single(Calls);
    }

    [SkippableFact]
    public async Task Delayed_commands_survive_a_restart()
    {
        Handle("later");
        await StartAsync();
        await AddAsync(new CommandSpec("later") { Delay = TimeSpan.FromMinutes(5) });
        await RunUntilIdleAsync();
        await Executor.StopAsync();

        var second = NewExecutor();
        Handle("later", executor: second);
        await StartAsync(second);
        await AdvanceAsync(TimeSpan.FromMinutes(5), second);
        Assert.Single(Calls);
    }

    [SkippableFact]
    public async Task Expired_command_never_runs_and_its_expired_hook_spawns_follow_ups()
    {
        var expired = new TaskCompletionSource<Guid>();
        Handle("offer", configure: c => c.OnExpired((ctx, _) =>
        {
            expired.SetResult(ctx.Id);
            return ValueTask.FromResult(CommandResult.Next(new CommandSpec("notifyExpired") { Data = { ["offer"] = ctx.Data.GetString("offer") } }));
        }));
        Handle("notifyExpired");
        await StartAsync();
        var command = await AddAsync(new CommandSpec("offer")
        {
            Delay = TimeSpan.FromMinutes(10),
            Deadline = TimeSpan.FromMinutes(5),
            Data = { ["offer"] = "summer" },
            CorrelationId = "offer-1",
        });
        await AdvanceAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(["notifyExpired#1"], Calls);
        Assert.Equal(command.Id, await expired.Task);
        var stored = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Expired, stored.Status);
        Assert.Equal(0, stored.Attempt);
        Assert.Equal([HistoryEventType.Created, HistoryEventType.Expired], await EventsOf(command.Id));
        var followUp = Assert.Single((await Store.FindAsync(new() { Name = "notifyExpired" })).Items);
        Assert.Equal("summer", followUp.Data.GetString("offer"));
        Assert.Equal("offer-1", followUp.CorrelationId);
        Assert.Equal(command.Id, followUp.ParentId);
    }

    [SkippableFact]
    public async Task Deadline_from_the_handler_counts_from_creation()
    {
        Handle("offer", configure: c => c.Deadline(TimeSpan.FromMinutes(5)));
        await StartAsync();
        var onTime = await AddAsync(new CommandSpec("offer") { Delay = TimeSpan.FromMinutes(4) });
        var late = await AddAsync(new CommandSpec("offer") { Delay = TimeSpan.FromMinutes(6) });
        await AdvanceAsync(TimeSpan.FromMinutes(4));
        await AdvanceAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(CommandStatus.Completed, await StatusOf(onTime.Id));
        Assert.Equal(CommandStatus.Expired, await StatusOf(late.Id));
    }

    [SkippableFact]
    public async Task Deadline_also_bounds_retries()
    {
        Handle("flaky", _ => throw new InvalidOperationException("down"),
            c => c.Retries(5).Backoff(Backoff.Constant(TimeSpan.FromMinutes(2))));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("flaky") { Deadline = TimeSpan.FromMinutes(3) });
        await RunUntilIdleAsync();
        await AdvanceAsync(TimeSpan.FromMinutes(2));
        await AdvanceAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(["flaky#1", "flaky#2"], Calls);
        var stored = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Expired, stored.Status);
        Assert.Equal("down", stored.Error);
    }

    [SkippableFact]
    public async Task Timeout_cancels_the_handler_token_and_counts_as_a_failure()
    {
        var started = new TaskCompletionSource();
        var sawCancellation = false;
        Executor.Handle("slow", async (ctx, ct) =>
        {
            Calls.Enqueue($"slow#{ctx.Attempt}");
            if (ctx.Attempt == 1)
            {
                started.SetResult();
                try
                {
                    await Blocking.UntilCancelledAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    sawCancellation = ctx.CancellationToken.IsCancellationRequested;
                    throw;
                }
            }

            return CommandResult.Empty;
        }, c => c.Retries(1));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("slow") { Timeout = TimeSpan.FromSeconds(30) });
        await started.Task.WaitAsync(HangGuard);
        Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(CommandStatus.Started, await StatusOf(command.Id));
        await AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.True(sawCancellation);
        Assert.Equal(["slow#1", "slow#2"], Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
        var retrying = (await Store.GetHistoryAsync(command.Id)).Single(e => e.Type == HistoryEventType.Retrying);
        Assert.Contains("timed out after 00:00:30", retrying.Error);
    }

    [SkippableFact]
    public async Task Timeout_that_is_ignored_still_fails_the_attempt()
    {
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        Executor.Handle("stubborn", async (ctx, _) =>
        {
            started.TrySetResult();
            await release.Task; // ignores its token
            return CommandResult.Empty;
        });
        UseExecutorDefaultTimeout();
        await StartAsync();
        var command = await AddAsync(new CommandSpec("stubborn"));
        await started.Task.WaitAsync(HangGuard);
        Time.Advance(TimeSpan.FromMinutes(1));
        release.SetResult();
        await RunUntilIdleAsync();
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Contains("timed out after 00:01:00", failed.Error);
    }

    private void UseExecutorDefaultTimeout() => Executor.Options.DefaultTimeout = TimeSpan.FromMinutes(1);

    [SkippableFact]
    public async Task Timeout_resolution_prefers_spec_then_handler_then_executor()
    {
        var cancelledAt = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<double>>();
        TaskCompletionSource<double> Signal(string label) => cancelledAt.GetOrAdd(label, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        var running = 0;
        var allRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Executor.Options.DefaultTimeout = TimeSpan.FromMinutes(10);
        CommandHandler blockUntilCancelled = async (ctx, ct) =>
        {
            if (Interlocked.Increment(ref running) == 3)
            {
                allRunning.SetResult();
            }

            try
            {
                await Blocking.UntilCancelledAsync(ct);
            }
            catch (OperationCanceledException)
            {
                Signal(ctx.Data.GetString("label")!).TrySetResult((Now - Epoch).TotalMinutes);
                throw;
            }

            return CommandResult.Empty;
        };
        Executor.Handle("job", blockUntilCancelled, c => c.Timeout(TimeSpan.FromMinutes(5)));
        Executor.Handle("plain", blockUntilCancelled);
        await StartAsync();
        await AddAsync(new CommandSpec("job") { Timeout = TimeSpan.FromMinutes(2), Data = { ["label"] = "spec" } });
        await AddAsync(new CommandSpec("job") { Data = { ["label"] = "handler" } });
        await AddAsync(new CommandSpec("plain") { Data = { ["label"] = "executor" } });
        await allRunning.Task.WaitAsync(HangGuard);

        var expected = new Dictionary<int, string> { [2] = "spec", [5] = "handler", [10] = "executor" };
        for (var minute = 1; minute <= 10; minute++)
        {
            Time.Advance(TimeSpan.FromMinutes(1));
            if (expected.TryGetValue(minute, out var label))
            {
                // Wait for this one before moving the clock on, so the minute it records is exact.
                Assert.Equal(minute, await Signal(label).Task.WaitAsync(HangGuard));
            }
        }

        await RunUntilIdleAsync();
        Assert.Equal(3, cancelledAt.Count);
    }
}
