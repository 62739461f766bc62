using Durex.Storage;

namespace Durex.Conformance;

public abstract partial class EngineConformanceTests
{
    // ---------------------------------------------------------------- unique keys

    [SkippableFact]
    public async Task Unique_key_rejects_a_second_active_command_until_the_first_finishes()
    {
        Handle("sendEmail");
        var first = await AddAsync(new CommandSpec("sendEmail") { UniqueKey = "welcome:42" });
        var ex = await Assert.ThrowsAsync<DuplicateCommandException>(async () => await AddAsync(new CommandSpec("sendEmail") { UniqueKey = "welcome:42" }));
        Assert.Equal(first.Id, ex.ExistingId);
        Assert.Contains("welcome:42", ex.Message);
        await StartAsync();
        await RunUntilIdleAsync();
        await AddAsync(new CommandSpec("sendEmail") { UniqueKey = "welcome:42" });
    }

    [SkippableFact]
    public async Task Parallel_adders_of_one_unique_key_exactly_one_wins()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var adders = Enumerable.Range(0, 40).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            try
            {
                await Executor.AddAsync(new CommandSpec("job") { UniqueKey = "nightly-report" });
                return 1;
            }
            catch (DuplicateCommandException)
            {
                return 0;
            }
        })).ToArray();
        gate.SetResult();
        Assert.Equal(1, (await Task.WhenAll(adders)).Sum());
        Assert.Single((await Executor.FindAsync(new CommandQuery { Name = "job" })).Items);
    }

    [SkippableFact]
    public async Task Permanent_commands_start_once_across_restarts_and_instances()
    {
        void Configure(ExecutorOptions o) => o.PermanentCommands.Add(new CommandSpec("heartbeat") { Period = TimeSpan.FromMinutes(5) });
        UseExecutor(Configure);
        Handle("heartbeat", _ => CommandResult.Repeat());
        await StartAsync();
        await RunUntilIdleAsync();
        await Executor.StopAsync();
        await StartAsync();
        var other = NewExecutor(Configure);
        Handle("heartbeat", _ => CommandResult.Repeat(), executor: other);
        await StartAsync(other);
        await RunUntilIdleAsync();

        var all = (await Executor.FindAsync(new CommandQuery { Name = "heartbeat" })).Items;
        var heartbeat = Assert.Single(all);
        Assert.Equal("durex:permanent:heartbeat", heartbeat.UniqueKey);
        Assert.Equal(CommandStatus.Repeating, heartbeat.Status);
        Assert.Single(Calls);
    }

    // ---------------------------------------------------------------- cancellation

    [SkippableFact]
    public async Task A_cancelled_delayed_command_never_runs()
    {
        Handle("reminder");
        await StartAsync();
        var command = await AddAsync(new CommandSpec("reminder") { Delay = TimeSpan.FromMinutes(30) });
        await RunUntilIdleAsync();
        var cancelled = await Executor.CancelAsync(command.Id, "user unsubscribed");
        Assert.Equal(CommandStatus.Cancelled, cancelled.Status);
        await AdvanceAsync(TimeSpan.FromHours(2));
        Assert.Empty(Calls);
        Assert.Equal(CommandStatus.Cancelled, await StatusOf(command.Id));
        var last = (await Executor.GetHistoryAsync(command.Id)).Last();
        Assert.Equal(HistoryEventType.Cancelled, last.Type);
        Assert.Equal("user unsubscribed", last.Message);
    }

    [SkippableFact]
    public async Task A_cancelled_running_command_sees_its_token_cancelled_and_ends_cancelled_not_retried()
    {
        var started = new TaskCompletionSource();
        var observed = new TaskCompletionSource<bool>();
        Executor.Handle("export", async (ctx, ct) =>
        {
            Calls.Enqueue($"export#{ctx.Attempt}");
            started.SetResult();
            try
            {
                await Blocking.UntilCancelledAsync(ct);
            }
            catch (OperationCanceledException)
            {
                observed.SetResult(ct.IsCancellationRequested);
                throw;
            }

            return CommandResult.Empty;
        }, c => c.Retries(5));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("export"));
        await started.Task.WaitAsync(HangGuard);

        await Executor.CancelAsync(command.Id);
        Assert.True(await observed.Task.WaitAsync(HangGuard));
        await RunUntilIdleAsync();

        Assert.Equal(["export#1"], Calls);
        var stored = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Cancelled, stored.Status);
        Assert.Null(stored.Error);
        Assert.Contains("was running", (await Executor.GetHistoryAsync(command.Id)).Last().Message);
        await AdvanceAsync(TimeSpan.FromHours(1));
        Assert.Single(Calls);
    }

    [SkippableFact]
    public async Task Cancelling_through_another_executor_stops_the_handler_where_it_runs()
    {
        var worker = NewExecutor();
        var started = new TaskCompletionSource();
        var stopped = new TaskCompletionSource();
        worker.Handle("export", async (_, ct) =>
        {
            started.SetResult();
            await using (ct.Register(() => stopped.SetResult()))
            {
                await Blocking.UntilCancelledAsync(ct);
            }

            return CommandResult.Empty;
        });
        await StartAsync(worker);
        var command = await worker.AddAsync(new CommandSpec("export"));
        await started.Task.WaitAsync(HangGuard);
        await Executor.CancelAsync(command.Id); // the default executor does not even handle "export"
        await stopped.Task.WaitAsync(HangGuard);
        await RunUntilIdleAsync(worker);
        Assert.Equal(CommandStatus.Cancelled, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task A_claimed_command_cancelled_before_its_worker_takes_it_never_runs()
    {
        UseExecutor(o => o.Parallelism = 1);
        var release = new TaskCompletionSource();
        var blockerStarted = new TaskCompletionSource();
        Executor.Handle("blocker", async (_, _) =>
        {
            blockerStarted.SetResult();
            await release.Task;
            return CommandResult.Empty;
        });
        Handle("queued");
        var blocker = await AddAsync(new CommandSpec("blocker") { Priority = 10 });
        var queued = await AddAsync(new CommandSpec("queued"));
        var claimedBoth = Tap.NextAsync(nameof(ICommandStore.ClaimAsync), r => ((IReadOnlyList<CommandInstance>)r!).Any(c => c.Id == queued.Id));
        await StartAsync();
        await blockerStarted.Task.WaitAsync(HangGuard);
        await claimedBoth.WaitAsync(HangGuard); // one worker, but "queued" is claimed ahead of time

        await Executor.CancelAsync(queued.Id);
        release.SetResult();
        await RunUntilIdleAsync();
        Assert.Empty(CallsOf("queued"));
        Assert.Equal(CommandStatus.Cancelled, await StatusOf(queued.Id));
        Assert.Equal(CommandStatus.Completed, await StatusOf(blocker.Id));
    }

    [SkippableFact]
    public async Task Cancelling_a_finished_or_unknown_command_is_a_clear_error()
    {
        Handle("job");
        await StartAsync();
        var command = await AddAsync(new CommandSpec("job"));
        await RunUntilIdleAsync();
        var ex = await Assert.ThrowsAsync<InvalidCommandStateException>(async () => await Executor.CancelAsync(command.Id));
        Assert.Equal(CommandStatus.Completed, ex.Status);
        Assert.Contains("COMPLETED", ex.Message);
        await Assert.ThrowsAsync<CommandNotFoundException>(async () => await Executor.CancelAsync(Guid.NewGuid()));
    }

    [SkippableFact]
    public async Task Cancel_by_tag_cancels_the_batch_and_reports_how_many()
    {
        Handle("job");
        await StartAsync();
        var batch = await Executor.AddManyAsync(Enumerable.Range(0, 5).Select(_ => new CommandSpec("job") { Tags = { "import-7" }, Delay = TimeSpan.FromMinutes(1) }));
        var other = await AddAsync(new CommandSpec("job") { Tags = { "import-8" }, Delay = TimeSpan.FromMinutes(1) });
        Assert.Equal(5, await Executor.CancelByTagAsync("import-7"));
        Assert.Equal(0, await Executor.CancelByTagAsync("import-7"));
        await AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Single(Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(other.Id));
        foreach (var command in batch)
        {
            Assert.Equal(CommandStatus.Cancelled, await StatusOf(command.Id));
        }
    }

    // ---------------------------------------------------------------- dead letters

    [SkippableFact]
    public async Task Dead_letters_are_listed_replayed_with_a_fresh_budget_and_purged()
    {
        UseExecutor(o => o.UseDeadLetterQueue());
        var healthy = false;
        Handle("sync", _ => healthy ? CommandResult.Empty : throw new InvalidOperationException("partner API down"), c => c.Retries(2));
        await StartAsync();
        var commands = new List<CommandInstance>();
        for (var i = 0; i < 3; i++)
        {
            commands.Add(await AddAsync(new CommandSpec("sync") { Data = { ["n"] = i } }));
            await RunUntilIdleAsync();
            Time.Advance(TimeSpan.FromDays(1));
        }

        Assert.Equal(9, Calls.Count);
        var page1 = await Executor.FindDeadLetteredAsync(limit: 2);
        Assert.Equal([commands[2].Id, commands[1].Id], page1.Items.Select(c => c.Id));
        var page2 = await Executor.FindDeadLetteredAsync(limit: 2, cursor: page1.NextCursor);
        Assert.Equal([commands[0].Id], page2.Items.Select(c => c.Id));
        Assert.Null(page2.NextCursor);

        // Replay: the full retry budget again (3 attempts), and a replayed event.
        Calls.Clear();
        await Executor.ReplayFromDeadLetterAsync(commands[2].Id);
        await RunUntilIdleAsync();
        Assert.Equal(["sync#1", "sync#2", "sync#3"], Calls);
        Assert.Equal(CommandStatus.DeadLetter, await StatusOf(commands[2].Id));
        Assert.Contains(HistoryEventType.Replayed, await EventsOf(commands[2].Id));

        healthy = true;
        await Executor.ReplayFromDeadLetterAsync(commands[1].Id);
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Completed, await StatusOf(commands[1].Id));
        await Assert.ThrowsAsync<InvalidCommandStateException>(async () => await Executor.ReplayFromDeadLetterAsync(commands[1].Id));

        // commands[0] dead-lettered 3 days ago, commands[2] just now (after its replay): purge the old one only.
        Assert.Equal(1, await Executor.PurgeDeadLettersAsync(TimeSpan.FromDays(2)));
        Assert.Null(await Executor.GetAsync(commands[0].Id));
        Assert.NotNull(await Executor.GetAsync(commands[2].Id));
    }

    [SkippableFact]
    public async Task Retry_sends_a_failed_command_back()
    {
        var fixedIt = false;
        Handle("job", _ => fixedIt ? CommandResult.Empty : throw new InvalidOperationException("bug"));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("job"));
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Failed, await StatusOf(command.Id));
        fixedIt = true;
        await Executor.RetryAsync(command.Id);
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
        await Assert.ThrowsAsync<InvalidCommandStateException>(async () => await Executor.RetryAsync(command.Id));
    }

    // ---------------------------------------------------------------- retention

    [SkippableFact]
    public async Task Retention_keeps_each_status_for_its_own_time_and_dead_letters_forever()
    {
        UseExecutor(o =>
        {
            o.UseDeadLetterQueue();
            o.Retention.CleanupInterval = null; // only the explicit passes below
            o.Retention.Completed = TimeSpan.FromHours(1);
            o.Retention.Cancelled = TimeSpan.FromHours(2);
        });
        Handle("ok");
        Handle("bad", _ => throw new InvalidOperationException("x"));
        await StartAsync();
        var ok = await AddAsync(new CommandSpec("ok"));
        var dead = await AddAsync(new CommandSpec("bad"));
        var cancelled = await AddAsync(new CommandSpec("ok") { Delay = TimeSpan.FromDays(1) });
        await RunUntilIdleAsync();
        await Executor.CancelAsync(cancelled.Id);

        Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await Executor.CleanupAsync());
        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await Executor.CleanupAsync());
        Assert.Null(await Executor.GetAsync(ok.Id));
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await Executor.CleanupAsync());
        Assert.Null(await Executor.GetAsync(cancelled.Id));
        Time.Advance(TimeSpan.FromDays(365));
        Assert.Equal(0, await Executor.CleanupAsync());
        Assert.Equal(CommandStatus.DeadLetter, await StatusOf(dead.Id));
    }

    [SkippableFact]
    public async Task Retention_runs_by_itself_every_cleanup_interval()
    {
        UseExecutor(o =>
        {
            o.Retention.CleanupInterval = TimeSpan.FromMinutes(10);
            o.Retention.Completed = TimeSpan.FromMinutes(5);
        });
        Handle("ok");
        await StartAsync();
        var ok = await AddAsync(new CommandSpec("ok"));
        await RunUntilIdleAsync();
        var purged = Tap.NextAsync(nameof(ICommandStore.PurgeAsync), deleted => (int)deleted! > 0);
        Time.Advance(TimeSpan.FromMinutes(10));
        await purged.WaitAsync(HangGuard);
        Assert.Null(await Executor.GetAsync(ok.Id));
    }

    // ---------------------------------------------------------------- concurrency limits

    [SkippableFact]
    public async Task A_concurrency_limit_holds_back_that_name_while_others_run()
    {
        UseExecutor(o =>
        {
            o.Parallelism = 8;
            o.LimitConcurrency("sendEmail", 2);
        });
        var release = new TaskCompletionSource();
        var emailsRunning = 0;
        var maxEmails = 0;
        var twoRunning = new TaskCompletionSource();
        Executor.Handle("sendEmail", async (ctx, _) =>
        {
            var now = Interlocked.Increment(ref emailsRunning);
            InterlockedMax(ref maxEmails, now);
            if (now == 2)
            {
                twoRunning.TrySetResult();
            }

            await release.Task;
            Interlocked.Decrement(ref emailsRunning);
            return CommandResult.Empty;
        });
        Handle("other");
        await StartAsync();
        await Executor.AddManyAsync(Enumerable.Range(0, 6).Select(_ => new CommandSpec("sendEmail")));
        var others = await Executor.AddManyAsync(Enumerable.Range(0, 4).Select(_ => new CommandSpec("other")));
        await twoRunning.Task.WaitAsync(HangGuard);

        // The four "other" commands complete while emails are held back at two.
        foreach (var other in others)
        {
            await WaitForStatusAsync(other.Id, CommandStatus.Completed);
        }

        var stats = await Executor.GetStatisticsAsync();
        Assert.Equal(new ConcurrencyStatistics(2, 2, 4), stats.Limits["sendEmail"]);
        Assert.Equal(4, stats.Counts[CommandStatus.Pending]);

        release.SetResult();
        await RunUntilIdleAsync();
        Assert.Equal(2, maxEmails);
        Assert.Equal(10, (await Executor.GetStatisticsAsync()).Counts[CommandStatus.Completed]);
        Assert.Equal(new ConcurrencyStatistics(2, 0, 0), (await Executor.GetStatisticsAsync()).Limits["sendEmail"]);
    }

    [SkippableFact]
    public async Task A_global_concurrency_limit_caps_everything()
    {
        UseExecutor(o =>
        {
            o.Parallelism = 8;
            o.LimitGlobalConcurrency(3);
        });
        var release = new TaskCompletionSource();
        var running = 0;
        var max = 0;
        var threeRunning = new TaskCompletionSource();
        CommandHandler body = async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref max, now);
            if (now == 3)
            {
                threeRunning.TrySetResult();
            }

            await release.Task;
            Interlocked.Decrement(ref running);
            return CommandResult.Empty;
        };
        Executor.Handle("a", body);
        Executor.Handle("b", body);
        await StartAsync();
        await Executor.AddManyAsync(Enumerable.Range(0, 10).Select(i => new CommandSpec(i % 2 == 0 ? "a" : "b")));
        await threeRunning.Task.WaitAsync(HangGuard);
        var stats = await Executor.GetStatisticsAsync();
        Assert.Equal(3, stats.GlobalLimit!.Current);
        Assert.Equal(7, stats.QueueDepth);
        release.SetResult();
        await RunUntilIdleAsync();
        Assert.Equal(3, max);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private async Task WaitForStatusAsync(Guid id, CommandStatus status)
    {
        // Each apply is an event: wait for applies until the command has the status.
        while (true)
        {
            var applied = Tap.NextAsync(nameof(ICommandStore.ApplyAsync));
            if (await StatusOf(id) == status)
            {
                return;
            }

            await applied.WaitAsync(HangGuard);
        }
    }

    // ---------------------------------------------------------------- leases

    [SkippableFact]
    public async Task A_command_of_a_dead_executor_is_rescued_and_runs_again_keeping_its_attempt()
    {
        // The lost attempt counts (as in River), so the command needs a retry left to run again.
        Handle("report", configure: c => c.Retries(1));
        var command = await AddAsync(new CommandSpec("report"));
        // A process claims it and dies without renewing its lease.
        var claimed = Assert.Single(await Store.ClaimAsync(new ClaimRequest
        {
            Owner = "crashed-process",
            Limit = 1,
            Now = Now,
            LeaseExpiresAt = Now + TimeSpan.FromSeconds(30),
            Names = ["report"],
        }));
        Assert.Equal(1, claimed.Attempt);

        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Empty(Calls);
        var rescued = Tap.NextAsync(nameof(ICommandStore.RescueExpiredLeasesAsync), ids => ((IReadOnlyList<Guid>)ids!).Count > 0);
        Time.Advance(TimeSpan.FromSeconds(31));
        await rescued.WaitAsync(HangGuard);
        await RunUntilIdleAsync();

        Assert.Equal(["report#2"], Calls);
        var stored = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Completed, stored.Status);
        Assert.Equal(2, stored.Attempt);
        Assert.Equal(
            [HistoryEventType.Created, HistoryEventType.Recovered, HistoryEventType.Started, HistoryEventType.Completed],
            await EventsOf(command.Id));
    }

    [SkippableFact]
    public async Task A_command_lost_with_its_executor_runs_again_even_with_no_retries()
    {
        // Executors claim a few commands before they start them, so a crash loses attempts that never ran: with the
        // default of no retries they used to fail unrun. A lost attempt is given back (up to MaxRescues).
        Handle("report");
        var command = await AddAsync(new CommandSpec("report"));
        Assert.Single(await Store.ClaimAsync(new ClaimRequest
        {
            Owner = "crashed-process", Limit = 1, Now = Now, LeaseExpiresAt = Now + TimeSpan.FromSeconds(30), Names = ["report"],
        }));

        await StartAsync();
        var rescued = Tap.NextAsync(nameof(ICommandStore.RescueExpiredLeasesAsync), ids => ((IReadOnlyList<Guid>)ids!).Count > 0);
        Time.Advance(TimeSpan.FromSeconds(31));
        await rescued.WaitAsync(HangGuard);
        await RunUntilIdleAsync();

        Assert.Equal(["report#2"], Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task A_lost_attempt_does_not_use_up_a_retry()
    {
        Executor.Handle("flaky", (ctx, _) =>
        {
            Calls.Enqueue($"flaky#{ctx.Attempt} left {ctx.RetriesLeft}");
            return ctx.Attempt == 2 ? throw new InvalidOperationException("first real attempt fails") : Done();
        }, c => c.Retries(1));
        var command = await AddAsync(new CommandSpec("flaky"));
        Assert.Single(await Store.ClaimAsync(new ClaimRequest
        {
            Owner = "crashed-process", Limit = 1, Now = Now, LeaseExpiresAt = Now + TimeSpan.FromSeconds(30), Names = ["flaky"],
        }));

        await StartAsync();
        var rescued = Tap.NextAsync(nameof(ICommandStore.RescueExpiredLeasesAsync), ids => ((IReadOnlyList<Guid>)ids!).Count > 0);
        Time.Advance(TimeSpan.FromSeconds(31));
        await rescued.WaitAsync(HangGuard);
        await RunUntilIdleAsync();
        Time.Advance(TimeSpan.FromMinutes(10)); // past the backoff
        await RunUntilIdleAsync();

        // The lost attempt is given back before the first real one runs, so the handler sees its true retries left.
        Assert.Equal(["flaky#2 left 1", "flaky#3 left 0"], Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task An_executor_rescues_leases_left_under_its_own_name()
    {
        // A restarted process with a fixed instance name, or a claim whose reply was lost in an outage: the lease carries
        // this executor's name but it does not hold the command, so nobody would renew or rescue it but itself.
        UseExecutor(o => o.InstanceName = "worker-1");
        Handle("report");
        var command = await AddAsync(new CommandSpec("report"));
        Assert.Single(await Store.ClaimAsync(new ClaimRequest
        {
            Owner = "worker-1", Limit = 1, Now = Now, LeaseExpiresAt = Now + TimeSpan.FromSeconds(30), Names = ["report"],
        }));

        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Empty(Calls);
        var rescued = Tap.NextAsync(nameof(ICommandStore.RescueExpiredLeasesAsync), ids => ((IReadOnlyList<Guid>)ids!).Count > 0);
        Time.Advance(TimeSpan.FromSeconds(31));
        await rescued.WaitAsync(HangGuard);
        await RunUntilIdleAsync();

        Assert.Equal(["report#2"], Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task A_claim_whose_reply_comes_after_its_leases_ended_is_handed_back_not_run()
    {
        // By then any executor may have rescued and re-claimed the commands: running them here could run them twice.
        Handle("report");
        var command = await AddAsync(new CommandSpec("report"));
        var claim = Tap.HoldNext(nameof(ICommandStore.ClaimAsync));
        await StartAsync();
        await claim.Entered.WaitAsync(HangGuard);
        var claims = 0;
        var claimedAgain = Tap.NextAsync(nameof(ICommandStore.ClaimAsync),
            r => ((IReadOnlyList<CommandInstance>)r!).Any(c => c.Id == command.Id) && Interlocked.Increment(ref claims) == 2);
        Time.Advance(TimeSpan.FromSeconds(31)); // the held claim's leases end before its reply
        claim.Release();
        await claimedAgain.WaitAsync(HangGuard); // handed back, then claimed afresh
        await RunUntilIdleAsync();

        Assert.Equal(["report#1"], Calls); // run once, by the fresh claim, its attempt not counted twice
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task A_rescue_still_in_flight_when_the_clock_moves_does_not_postpone_the_next_one()
    {
        // The next rescue is due one interval after the instant a rescue looked at, not after its store call returned:
        // otherwise a lease that expires while a rescue is in flight waits a whole extra interval (or, on a fake clock
        // advanced during the call, forever).
        Handle("report", configure: c => c.Retries(1));
        await AddAsync(new CommandSpec("report"));
        Assert.Single(await Store.ClaimAsync(new ClaimRequest
        {
            Owner = "crashed-process",
            Limit = 1,
            Now = Now,
            LeaseExpiresAt = Now + TimeSpan.FromSeconds(30),
            Names = ["report"],
        }));
        var firstRescue = Tap.HoldNext(nameof(ICommandStore.RescueExpiredLeasesAsync));

        await StartAsync();
        await firstRescue.Entered.WaitAsync(HangGuard);
        var rescued = Tap.NextAsync(nameof(ICommandStore.RescueExpiredLeasesAsync), ids => ((IReadOnlyList<Guid>)ids!).Count > 0);
        Time.Advance(TimeSpan.FromSeconds(31));
        firstRescue.Release();
        await rescued.WaitAsync(HangGuard);
        await RunUntilIdleAsync();

        Assert.Equal(["report#2"], Calls);
    }

    [SkippableFact]
    public async Task A_long_running_command_keeps_its_lease_while_its_executor_lives()
    {
        UseExecutor(o => o.LeaseDuration = TimeSpan.FromSeconds(30));
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        Executor.Handle("longJob", async (ctx, _) =>
        {
            Calls.Enqueue($"longJob#{ctx.Attempt}");
            started.SetResult();
            await release.Task;
            return CommandResult.Empty;
        });
        await StartAsync();
        var command = await AddAsync(new CommandSpec("longJob"));
        await started.Task.WaitAsync(HangGuard);

        for (var step = 0; step < 12; step++) // two minutes, four lease lengths
        {
            var renewed = Tap.NextAsync(nameof(ICommandStore.RenewLeasesAsync));
            Time.Advance(TimeSpan.FromSeconds(10));
            await renewed.WaitAsync(HangGuard);
        }

        var running = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Started, running.Status);
        Assert.Equal(Executor.InstanceName, running.LeaseOwner);
        Assert.True(running.LeaseExpiresAt > Now);
        Assert.Empty(await Store.RescueExpiredLeasesAsync(Now)); // nobody could rescue it

        release.SetResult();
        await RunUntilIdleAsync();
        Assert.Equal(["longJob#1"], Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task A_command_that_keeps_killing_its_worker_fails_after_its_budget()
    {
        // Two lost attempts are given back (MaxRescues), then the retry budget applies: 1 + 1 retry + 2 = 4 attempts.
        UseExecutor(o => o.MaxRescues = 2);
        Handle("poison", configure: c => c.Retries(1));
        var command = await AddAsync(new CommandSpec("poison"));
        for (var crash = 0; crash < 4; crash++)
        {
            Assert.Single(await Store.ClaimAsync(new ClaimRequest
            {
                Owner = $"crash-{crash}", Limit = 1, Now = Now, LeaseExpiresAt = Now + TimeSpan.FromSeconds(1), Names = ["poison"],
            }));
            Time.Advance(TimeSpan.FromSeconds(2));
            Assert.Single(await Store.RescueExpiredLeasesAsync(Now));
        }

        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Empty(Calls);
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Contains("exceeds the retry budget", failed.Error);
    }

    // ---------------------------------------------------------------- graceful shutdown

    [SkippableFact]
    public async Task Stop_lets_running_attempts_finish_within_the_shutdown_timeout()
    {
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        Executor.Handle("job", async (_, _) =>
        {
            started.SetResult();
            await release.Task;
            return CommandResult.Empty;
        });
        await StartAsync();
        var command = await AddAsync(new CommandSpec("job"));
        await started.Task.WaitAsync(HangGuard);
        var stopping = Executor.StopAsync();
        Assert.False(stopping.IsCompleted);
        release.SetResult();
        await stopping.WaitAsync(HangGuard);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task Stop_cancels_attempts_past_the_timeout_and_returns_their_commands_to_pending()
    {
        UseExecutor(o =>
        {
            o.Parallelism = 1;
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
        });
        var started = new TaskCompletionSource();
        var tokenCancelled = new TaskCompletionSource();
        Executor.Handle("slow", async (ctx, ct) =>
        {
            Calls.Enqueue($"slow#{ctx.Attempt}");
            if (ctx.Attempt == 1 && Calls.Count == 1)
            {
                started.SetResult();
                await using (ct.Register(() => tokenCancelled.TrySetResult()))
                {
                    await Blocking.UntilCancelledAsync(ct);
                }
            }

            return CommandResult.Empty;
        }, c => c.Retries(0));
        Handle("queued");
        var slow = await AddAsync(new CommandSpec("slow") { Priority = 1 });
        var queued = await AddAsync(new CommandSpec("queued"));
        var claimedBoth = Tap.NextAsync(nameof(ICommandStore.ClaimAsync), r => ((IReadOnlyList<CommandInstance>)r!).Any(c => c.Id == queued.Id));
        await StartAsync();
        await started.Task.WaitAsync(HangGuard);
        await claimedBoth.WaitAsync(HangGuard);

        var released = Tap.NextAsync(nameof(ICommandStore.ApplyAsync));
        var stopping = Executor.StopAsync();
        await released.WaitAsync(HangGuard);
        // The claimed-but-unstarted command went back at once, untouched.
        var back = await GetAsync(queued.Id);
        Assert.Equal(CommandStatus.Pending, back.Status);
        Assert.Equal(0, back.Attempt);
        Assert.False(stopping.IsCompleted);

        Time.Advance(TimeSpan.FromSeconds(10));
        await tokenCancelled.Task.WaitAsync(HangGuard);
        await stopping.WaitAsync(HangGuard);
        var interrupted = await GetAsync(slow.Id);
        Assert.Equal(CommandStatus.Pending, interrupted.Status);
        Assert.Equal(0, interrupted.Attempt);
        Assert.Null(interrupted.LeaseOwner);
        Assert.Equal(HistoryEventType.Interrupted, (await Executor.GetHistoryAsync(slow.Id)).Last().Type);

        // After a restart both run; the interrupted attempt did not use up the (zero) retries.
        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Completed, await StatusOf(slow.Id));
        Assert.Equal(CommandStatus.Completed, await StatusOf(queued.Id));
        Assert.Equal(1, (await GetAsync(slow.Id)).Attempt);
    }

    [SkippableFact]
    public async Task Stop_with_a_cancelled_token_abandons_a_handler_that_ignores_its_token_and_its_command_is_rescued()
    {
        UseExecutor(o => o.LeaseDuration = TimeSpan.FromSeconds(30));
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        Executor.Handle("stubborn", async (ctx, _) =>
        {
            Calls.Enqueue($"stubborn#{ctx.Attempt}");
            if (ctx.Attempt == 1)
            {
                started.SetResult();
                await release.Task; // ignores its token
            }

            return CommandResult.Empty;
        });
        await StartAsync();
        var command = await AddAsync(new CommandSpec("stubborn"));
        await started.Task.WaitAsync(HangGuard);

        await Executor.StopAsync(new CancellationToken(canceled: true)).WaitAsync(HangGuard);
        Assert.False(Executor.IsRunning);
        var abandoned = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Started, abandoned.Status); // still leased: nobody else may run it yet

        // Once the lease is over, another executor rescues the command and runs it again.
        Time.Advance(TimeSpan.FromSeconds(31));
        var other = NewExecutor();
        other.Handle("stubborn", (ctx, _) =>
        {
            Calls.Enqueue($"stubborn#{ctx.Attempt}");
            return Done();
        }, c => c.Retries(1)); // an abandoned attempt counts like a crash against the retry budget
        var rescued = Tap.NextAsync(nameof(ICommandStore.RescueExpiredLeasesAsync));
        await other.StartAsync();
        await rescued.WaitAsync(HangGuard);
        await RunUntilIdleAsync(other);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
        Assert.Equal(["stubborn#1", "stubborn#2"], Calls);
        release.SetResult();
    }

    [SkippableFact]
    public async Task Stop_with_a_cancelled_token_still_hands_back_claimed_commands_nobody_started()
    {
        UseExecutor(o => o.Parallelism = 1);
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        Executor.Handle("stubborn", async (_, _) =>
        {
            started.TrySetResult();
            await release.Task; // ignores its token
            return CommandResult.Empty;
        });
        Handle("queued");
        var stubborn = await AddAsync(new CommandSpec("stubborn") { Priority = 1 });
        var queued = await AddAsync(new CommandSpec("queued"));
        var claimedBoth = Tap.NextAsync(nameof(ICommandStore.ClaimAsync), r => ((IReadOnlyList<CommandInstance>)r!).Any(c => c.Id == queued.Id));
        await StartAsync();
        await started.Task.WaitAsync(HangGuard);
        await claimedBoth.WaitAsync(HangGuard);

        await Executor.StopAsync(new CancellationToken(canceled: true)).WaitAsync(HangGuard);

        // The claim nobody started went back at once, untouched; only the abandoned attempt keeps its lease.
        var back = await GetAsync(queued.Id);
        Assert.Equal(CommandStatus.Pending, back.Status);
        Assert.Equal(0, back.Attempt);
        Assert.Null(back.LeaseOwner);
        Assert.Equal(CommandStatus.Started, await StatusOf(stubborn.Id));
        release.SetResult();
    }

    // ---------------------------------------------------------------- queries and statistics

    [SkippableFact]
    public async Task Statistics_report_counts_queue_depth_and_age()
    {
        Handle("ok");
        Handle("bad", _ => throw new InvalidOperationException("x"));
        var ok = await AddAsync(new CommandSpec("ok"));
        await AddAsync(new CommandSpec("bad"));
        await AddAsync(new CommandSpec("later") { Delay = TimeSpan.FromHours(1) });
        Time.Advance(TimeSpan.FromSeconds(90));
        var before = await Executor.GetStatisticsAsync();
        Assert.Equal(3, before.Counts[CommandStatus.Pending]);
        Assert.Equal(2, before.QueueDepth);
        Assert.Equal(TimeSpan.FromSeconds(90), before.OldestReadyAge);
        Assert.False(before.IsRunning);

        await StartAsync();
        await RunUntilIdleAsync();
        var after = await Executor.GetStatisticsAsync();
        Assert.Equal(1, after.Counts[CommandStatus.Completed]);
        Assert.Equal(1, after.Counts[CommandStatus.Failed]);
        Assert.Equal(1, after.Counts[CommandStatus.Pending]);
        Assert.Equal(0, after.QueueDepth);
        Assert.Null(after.OldestReadyAge);
        Assert.Equal(0, after.Running);
        Assert.True(after.IsRunning);
        Assert.Equal(2, after.Handlers);
        Assert.Equal(CommandStatus.Completed, (await Executor.FindAsync(new CommandQuery { Name = "ok" })).Items.Single().Status);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Executor.FindAsync(new CommandQuery { Limit = 5000 }));
        _ = ok;
    }
}
