namespace Durex.Conformance;

public abstract partial class EngineConformanceTests
{
    [SkippableFact]
    public async Task Retries_3_means_4_attempts_then_failed()
    {
        var retriesLeft = new List<int>();
        Executor.Handle("flaky", (ctx, _) =>
        {
            Calls.Enqueue($"flaky#{ctx.Attempt}");
            retriesLeft.Add(ctx.RetriesLeft);
            throw new InvalidOperationException($"boom {ctx.Attempt}");
        }, c => c.Retries(3));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("flaky"));
        await RunUntilIdleAsync();

        Assert.Equal(["flaky#1", "flaky#2", "flaky#3", "flaky#4"], Calls);
        Assert.Equal([3, 2, 1, 0], retriesLeft);
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Equal("boom 4", failed.Error);
        Assert.Equal(4, failed.Attempt);
        Assert.Equal(
            [
                HistoryEventType.Created,
                HistoryEventType.Started, HistoryEventType.Retrying,
                HistoryEventType.Started, HistoryEventType.Retrying,
                HistoryEventType.Started, HistoryEventType.Retrying,
                HistoryEventType.Started, HistoryEventType.Failed,
            ],
            await EventsOf(command.Id));
        var history = await Store.GetHistoryAsync(command.Id);
        Assert.Contains("boom 1", history[2].Error);
        Assert.Equal(1, history[2].Attempt);
        Assert.Equal(4, history[^1].Attempt);
        Assert.Contains("InvalidOperationException", history[^1].Error); // the detail keeps the exception type and stack
    }

    [SkippableFact]
    public async Task Retry_budget_comes_from_spec_then_handler_then_executor()
    {
        UseExecutor(o => o.DefaultRetries = 2);
        Executor.Handle("fromExecutor", (ctx, _) => throw new InvalidOperationException("x"));
        Executor.Handle("fromHandler", (ctx, _) => throw new InvalidOperationException("x"), c => c.Retries(5));
        await StartAsync();
        var a = await AddAsync(new CommandSpec("fromExecutor"));
        var b = await AddAsync(new CommandSpec("fromHandler"));
        var c = await AddAsync(new CommandSpec("fromHandler") { Retries = 0 });
        await RunUntilIdleAsync();
        Assert.Equal(3, (await GetAsync(a.Id)).Attempt);
        Assert.Equal(6, (await GetAsync(b.Id)).Attempt);
        Assert.Equal(1, (await GetAsync(c.Id)).Attempt);
    }

    [SkippableFact]
    public async Task Success_after_failures_clears_the_error()
    {
        Handle("flaky", ctx => ctx.Attempt < 3 ? throw new InvalidOperationException("not yet") : CommandResult.Empty, c => c.Retries(3));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("flaky"));
        await RunUntilIdleAsync();
        var done = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Completed, done.Status);
        Assert.Null(done.Error);
        var history = await Store.GetHistoryAsync(command.Id);
        Assert.Equal(
            [HistoryEventType.Created, HistoryEventType.Started, HistoryEventType.Retrying, HistoryEventType.Started, HistoryEventType.Retrying,
             HistoryEventType.Started, HistoryEventType.Completed],
            history.Select(e => e.Type));
        Assert.Equal(3, history[^1].Attempt);
        Assert.NotNull(history[^1].Duration);
    }

    [SkippableTheory]
    [InlineData("constant", new[] { 10, 10, 10 })]
    [InlineData("linear", new[] { 10, 20, 25 })]
    [InlineData("exponential", new[] { 10, 20, 40 })]
    public async Task Backoff_strategies_schedule_each_retry(string strategy, int[] delaysInSeconds)
    {
        IBackoffStrategy backoff = strategy switch
        {
            "constant" => Backoff.Constant(TimeSpan.FromSeconds(10)),
            "linear" => Backoff.Linear(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(25)),
            _ => Backoff.Exponential(TimeSpan.FromSeconds(10)),
        };
        Executor.Handle("flaky", (ctx, _) =>
        {
            Calls.Enqueue($"flaky#{ctx.Attempt}");
            throw new InvalidOperationException("down");
        }, c => c.Retries(3).Backoff(backoff));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("flaky"));
        await RunUntilIdleAsync();
        Assert.Single(Calls);

        for (var i = 0; i < delaysInSeconds.Length; i++)
        {
            var delay = TimeSpan.FromSeconds(delaysInSeconds[i]);
            Assert.Equal(Now + delay, (await GetAsync(command.Id)).ReadyAt);
            await AdvanceAsync(delay - TimeSpan.FromMilliseconds(1));
            Assert.Equal(i + 1, Calls.Count);
            await AdvanceAsync(TimeSpan.FromMilliseconds(1));
            Assert.Equal(i + 2, Calls.Count);
        }

        Assert.Equal(CommandStatus.Failed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task Executor_backoff_applies_when_the_handler_sets_none()
    {
        UseExecutor(o => o.Backoff = Backoff.Constant(TimeSpan.FromMinutes(1)));
        Handle("flaky", ctx => ctx.Attempt == 1 ? throw new InvalidOperationException("x") : CommandResult.Empty, c => c.Retries(1));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("flaky"));
        await RunUntilIdleAsync();
        Assert.Equal(Now + TimeSpan.FromMinutes(1), (await GetAsync(command.Id)).ReadyAt);
        await AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task A_throwing_handler_fails_its_command_and_the_worker_lives_on()
    {
        UseExecutor(o => o.Parallelism = 1);
        Executor.Handle("bad", (_, _) => throw new InvalidOperationException("kaboom"));
        Handle("good");
        await StartAsync();
        var bad = await AddAsync(new CommandSpec("bad") { Priority = 1 });
        var good = await AddAsync(new CommandSpec("good"));
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Failed, await StatusOf(bad.Id));
        Assert.Equal("kaboom", (await GetAsync(bad.Id)).Error);
        Assert.Equal(CommandStatus.Completed, await StatusOf(good.Id));
    }

    [SkippableFact]
    public async Task A_synchronously_throwing_async_handler_is_recovered_too()
    {
        Executor.Handle("bad", async (_, ct) =>
        {
            await Task.Yield();
            throw new ArgumentException("bad input");
        });
        await StartAsync();
        var bad = await AddAsync(new CommandSpec("bad"));
        await RunUntilIdleAsync();
        Assert.Equal("bad input", (await GetAsync(bad.Id)).Error);
    }

    [SkippableFact]
    public async Task Permanent_failure_skips_the_retries_left()
    {
        Handle("validate", _ => throw new PermanentFailureException("order 42 does not exist"), c => c.Retries(5));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("validate"));
        await RunUntilIdleAsync();
        Assert.Equal(["validate#1"], Calls);
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Equal("order 42 does not exist", failed.Error);
    }

    [SkippableFact]
    public async Task A_null_result_is_a_failure_with_a_clear_message()
    {
        Executor.Handle("broken", (_, _) => ValueTask.FromResult<CommandResult>(null!));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("broken"));
        await RunUntilIdleAsync();
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Contains("returned null", failed.Error);
    }

    [SkippableFact]
    public async Task The_global_error_handler_hears_only_final_failures()
    {
        var reported = new List<(Guid Id, CommandStatus Status, string? Error, string Exception)>();
        UseExecutor(o => o.OnError((command, error) =>
        {
            lock (reported)
            {
                reported.Add((command.Id, command.Status, command.Error, error.Message));
            }
        }));
        Handle("flaky", ctx => ctx.Attempt < 2 ? throw new InvalidOperationException("transient") : CommandResult.Empty, c => c.Retries(1));
        Handle("doomed", _ => throw new InvalidOperationException("fatal"), c => c.Retries(2));
        await StartAsync();
        await AddAsync(new CommandSpec("flaky"));
        var doomed = await AddAsync(new CommandSpec("doomed"));
        await RunUntilIdleAsync();
        var report = Assert.Single(reported);
        Assert.Equal(doomed.Id, report.Id);
        Assert.Equal(CommandStatus.Failed, report.Status);
        Assert.Equal("fatal", report.Error);
        Assert.Equal("fatal", report.Exception);
    }

    [SkippableFact]
    public async Task A_throwing_error_handler_does_not_break_the_engine()
    {
        UseExecutor(o => o.OnError((_, _) => throw new InvalidOperationException("handler bug")));
        Handle("doomed", _ => throw new InvalidOperationException("fatal"));
        Handle("after");
        await StartAsync();
        var doomed = await AddAsync(new CommandSpec("doomed"));
        await RunUntilIdleAsync();
        var after = await AddAsync(new CommandSpec("after"));
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Failed, await StatusOf(doomed.Id));
        Assert.Equal(CommandStatus.Completed, await StatusOf(after.Id));
    }

    [SkippableFact]
    public async Task Middleware_runs_first_registered_outermost()
    {
        var trace = new List<string>();
        UseExecutor(o => o
            .UseMiddleware(async (ctx, next) =>
            {
                trace.Add("outer:before");
                var result = await next();
                trace.Add("outer:after");
                return result;
            })
            .UseMiddleware(async (ctx, next) =>
            {
                trace.Add("inner:before");
                var result = await next();
                trace.Add("inner:after");
                return result;
            }));
        Executor.Handle("job", (_, _) =>
        {
            trace.Add("handler");
            return Done();
        });
        await StartAsync();
        await AddAsync(new CommandSpec("job"));
        await RunUntilIdleAsync();
        Assert.Equal(["outer:before", "inner:before", "handler", "inner:after", "outer:after"], trace);
    }

    [SkippableFact]
    public async Task Middleware_can_short_circuit_the_handler()
    {
        UseExecutor(o => o.UseMiddleware((ctx, next) =>
            ctx.Data.GetBoolean("skip") ? ValueTask.FromResult(CommandResult.Empty) : next()));
        Handle("job");
        await StartAsync();
        var skipped = await AddAsync(new CommandSpec("job") { Data = { ["skip"] = true } });
        await AddAsync(new CommandSpec("job"));
        await RunUntilIdleAsync();
        Assert.Single(Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(skipped.Id));
    }

    [SkippableFact]
    public async Task Middleware_exceptions_fail_the_attempt_like_handler_exceptions()
    {
        UseExecutor(o => o.UseMiddleware((_, _) => throw new InvalidOperationException("middleware broke")));
        Handle("job", configure: c => c.Retries(1));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("job"));
        await RunUntilIdleAsync();
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Equal(2, failed.Attempt);
        Assert.Equal("middleware broke", failed.Error);
        Assert.Empty(Calls);
    }

    [SkippableFact]
    public async Task Middleware_can_turn_a_result_into_a_retry()
    {
        UseExecutor(o => o.UseMiddleware(async (ctx, next) => ctx.Attempt == 1 ? CommandResult.Retry() : await next()));
        Handle("job", configure: c => c.Retries(1));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("job"));
        await RunUntilIdleAsync();
        Assert.Equal(["job#2"], Calls);
        Assert.Equal(CommandStatus.Completed, await StatusOf(command.Id));
    }

    [SkippableFact]
    public async Task Dead_letter_queue_keeps_final_failures()
    {
        UseExecutor(o => o.UseDeadLetterQueue());
        Handle("doomed", _ => throw new InvalidOperationException("fatal"), c => c.Retries(1));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("doomed"));
        await RunUntilIdleAsync();
        var dead = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.DeadLetter, dead.Status);
        Assert.Equal("fatal", dead.Error);
        var failed = (await Store.GetHistoryAsync(command.Id)).Last();
        Assert.Equal(HistoryEventType.Failed, failed.Type);
        Assert.Contains("dead-letter", failed.Message);
    }

    [SkippableFact]
    public async Task Typed_handlers_read_their_payload_with_generated_metadata()
    {
        var seen = new TaskCompletionSource<EmailData>();
        Executor.HandleTyped("sendEmail", TestJsonContext.Default.EmailData, (data, ctx, _) =>
        {
            seen.SetResult(data);
            return Done();
        });
        await StartAsync();
        await AddAsync(CommandSpec.Create("sendEmail", new EmailData("user@example.com", "Welcome", 3), TestJsonContext.Default.EmailData));
        await RunUntilIdleAsync();
        Assert.Equal(new EmailData("user@example.com", "Welcome", 3), await seen.Task);
    }

    [SkippableFact]
    public async Task Typed_handler_with_an_unreadable_payload_fails_for_good()
    {
        Executor.HandleTyped("sendEmail", TestJsonContext.Default.EmailData, (_, _, _) => Done(), c => c.Retries(3));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("sendEmail") { Data = { ["To"] = 42 } });
        await RunUntilIdleAsync();
        var failed = await GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Equal(1, failed.Attempt);
        Assert.Contains("cannot be read as EmailData", failed.Error);
    }

    [SkippableFact]
    public async Task Class_commands_bring_their_defaults_and_hooks()
    {
        var command = new PaymentCommand();
        Executor.Register(command);
        Handle("refund");
        await StartAsync();
        var added = await AddAsync(new CommandSpec("processPayment"));
        Assert.Equal(["payments", "critical"], added.Tags);
        await RunUntilIdleAsync();
        Assert.Equal(3, command.Attempts);
        Assert.Equal(CommandStatus.Failed, await StatusOf(added.Id));
        var refund = Assert.Single((await Store.FindAsync(new() { Name = "refund" })).Items);
        Assert.Equal(CommandStatus.Completed, refund.Status);
        Assert.Equal(added.Id, refund.ParentId);
    }

    private sealed class PaymentCommand : ICommandHandler, IRecoverableCommand
    {
        public int Attempts;

        public string Name => "processPayment";

        public void Configure(CommandOptions options) => options.Retries(2).Tags("payments", "critical");

        public ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            throw new InvalidOperationException("card declined");
        }

        public ValueTask<CommandResult> RecoverAsync(CommandContext context, Exception error, CancellationToken cancellationToken) =>
            ValueTask.FromResult(CommandResult.Next(new CommandSpec("refund") { Data = { ["reason"] = error.Message } }));
    }
}
