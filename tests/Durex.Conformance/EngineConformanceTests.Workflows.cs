namespace Durex.Conformance;

public abstract partial class EngineConformanceTests
{
    private void HandleFanIn(Func<CommandContext, CommandResult>? child = null, Action<CommandOptions>? childOptions = null,
        Action<CommandOptions>? thenOptions = null, int children = 3)
    {
        Handle("processOrder", ctx => CommandResult.SpawnThen(
            Enumerable.Range(0, children).Select(i => new CommandSpec("task") { Data = { ["i"] = i }, Delay = TimeSpan.FromSeconds(i) }),
            new CommandSpec("ship") { Data = { ["order"] = ctx.Data.GetString("order") } }));
        Handle("task", child ?? (ctx =>
        {
            ctx.Set("result", ctx.Data.GetInt32("i") * 10);
            return CommandResult.Empty;
        }), childOptions);
        Handle("ship", ctx =>
        {
            FanInSeen.AddRange(ctx.FanInResults.Select(r => r.Data.GetInt32("result")));
            return CommandResult.Empty;
        }, thenOptions);
    }

    private List<int> FanInSeen { get; } = [];

    [SkippableFact]
    public async Task Spawn_then_runs_the_continuation_once_after_all_children_with_their_results()
    {
        HandleFanIn();
        await StartAsync();
        var root = await AddAsync(new CommandSpec("processOrder") { Data = { ["order"] = "A-1" } });
        await RunUntilIdleAsync();
        Assert.Empty(CallsOf("ship"));
        var continuation = Assert.Single((await Store.FindAsync(new() { Name = "ship" })).Items);
        Assert.Equal(CommandStatus.Waiting, continuation.Status);
        Assert.Equal(3, continuation.FanInTotal);

        await AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Empty(CallsOf("ship"));
        await AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(["ship#1"], CallsOf("ship"));
        Assert.Equal([0, 10, 20], FanInSeen);
        Assert.Equal(CommandStatus.Completed, await StatusOf(continuation.Id));
        Assert.Equal(root.Id, continuation.ParentId);
        Assert.Equal(root.CorrelationId, continuation.CorrelationId);
        Assert.Equal("A-1", continuation.Data.GetString("order"));
    }

    [SkippableFact]
    public async Task Spawn_then_without_children_runs_the_continuation_at_once()
    {
        Handle("start", _ => CommandResult.SpawnThen([], new CommandSpec("then")));
        Handle("then");
        await StartAsync();
        await AddAsync(new CommandSpec("start"));
        await RunUntilIdleAsync();
        Assert.Equal(["start#1", "then#1"], Calls);
    }

    [SkippableFact]
    public async Task Spawn_then_fails_when_a_child_fails_and_the_continuation_recovers()
    {
        var recovered = new TaskCompletionSource<Exception>();
        HandleFanIn(
            child: ctx => ctx.Data.GetInt32("i") == 1 ? throw new InvalidOperationException("warehouse offline") : CommandResult.Empty,
            thenOptions: c => c.OnRecover((ctx, error, _) =>
            {
                recovered.SetResult(error);
                return ValueTask.FromResult(CommandResult.Next(new CommandSpec("undo")));
            }));
        Handle("undo");
        await StartAsync();
        await AddAsync(new CommandSpec("processOrder"));
        await RunUntilIdleAsync();
        await AdvanceAsync(TimeSpan.FromSeconds(2));

        Assert.Empty(CallsOf("ship"));
        var continuation = Assert.Single((await Store.FindAsync(new() { Name = "ship" })).Items);
        Assert.Equal(CommandStatus.Failed, continuation.Status);
        Assert.Contains("warehouse offline", continuation.Error);
        Assert.Contains("FAILED", continuation.Error);
        var error = await recovered.Task;
        Assert.IsType<FanInFailedException>(error);
        Assert.Equal(["undo#1"], CallsOf("undo"));
    }

    [SkippableFact]
    public async Task Spawn_then_fails_when_a_child_is_dead_lettered()
    {
        UseExecutor(o => o.UseDeadLetterQueue());
        HandleFanIn(child: ctx => ctx.Data.GetInt32("i") == 0 ? throw new InvalidOperationException("poison") : CommandResult.Empty);
        await StartAsync();
        await AddAsync(new CommandSpec("processOrder"));
        await RunUntilIdleAsync();
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Empty(CallsOf("ship"));
        var continuation = Assert.Single((await Store.FindAsync(new() { Name = "ship" })).Items);
        Assert.Equal(CommandStatus.DeadLetter, continuation.Status);
        Assert.Contains("DEAD_LETTER", continuation.Error);
    }

    [SkippableFact]
    public async Task Spawn_then_fails_when_a_child_expires()
    {
        Handle("processOrder", _ => CommandResult.SpawnThen(
            [new CommandSpec("task"), new CommandSpec("task") { Delay = TimeSpan.FromMinutes(10), Deadline = TimeSpan.FromMinutes(1) }],
            new CommandSpec("ship")));
        Handle("task");
        Handle("ship");
        await StartAsync();
        await AddAsync(new CommandSpec("processOrder"));
        await RunUntilIdleAsync();
        await AdvanceAsync(TimeSpan.FromMinutes(10));
        Assert.Empty(CallsOf("ship"));
        var continuation = Assert.Single((await Store.FindAsync(new() { Name = "ship" })).Items);
        Assert.Equal(CommandStatus.Failed, continuation.Status);
        Assert.Contains("EXPIRED", continuation.Error);
    }

    [SkippableFact]
    public async Task Spawn_then_fails_when_a_child_is_cancelled()
    {
        HandleFanIn();
        await StartAsync();
        await AddAsync(new CommandSpec("processOrder"));
        await RunUntilIdleAsync();
        var late = (await Store.FindAsync(new() { Name = "task", Statuses = [CommandStatus.Pending] })).Items.First();
        await Store.CancelAsync(late.Id, Now, "not needed");
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Empty(CallsOf("ship"));
        var continuation = Assert.Single((await Store.FindAsync(new() { Name = "ship" })).Items);
        Assert.Equal(CommandStatus.Failed, continuation.Status);
        Assert.Contains("CANCELLED", continuation.Error);
    }

    [SkippableFact]
    public async Task Spawn_then_children_cannot_carry_unique_keys()
    {
        Handle("start", _ => CommandResult.SpawnThen([new CommandSpec("task") { UniqueKey = "k" }], new CommandSpec("then")), c => c.Retries(3));
        await StartAsync();
        var start = await AddAsync(new CommandSpec("start"));
        await RunUntilIdleAsync();
        var failed = await GetAsync(start.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Equal(1, failed.Attempt);
        Assert.Contains("unique key", failed.Error);
    }

    [SkippableFact]
    public async Task An_invalid_spawned_spec_fails_the_parent_for_good()
    {
        Handle("start", _ => CommandResult.Next(new CommandSpec("child") { Cron = "not a cron" }), c => c.Retries(3));
        await StartAsync();
        var start = await AddAsync(new CommandSpec("start"));
        await RunUntilIdleAsync();
        var failed = await GetAsync(start.Id);
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Contains("Invalid cron expression", failed.Error);
    }

    [SkippableFact]
    public async Task Saga_compensation_runs_once_after_retries_are_exhausted()
    {
        var recoverCalls = 0;
        Exception? seen = null;
        Handle("processPayment", _ => throw new InvalidOperationException("card declined"), c => c
            .Retries(3)
            .OnRecover((ctx, error, _) =>
            {
                Interlocked.Increment(ref recoverCalls);
                seen = error;
                return ValueTask.FromResult(CommandResult.Spawn(
                    new CommandSpec("refundPayment") { Data = ctx.Data.Clone() },
                    new CommandSpec("releaseInventory") { Data = ctx.Data.Clone() },
                    new CommandSpec("notifyCustomer") { Data = { ["error"] = error.Message } }));
            }));
        Handle("refundPayment");
        Handle("releaseInventory");
        Handle("notifyCustomer");
        await StartAsync();
        var payment = await AddAsync(new CommandSpec("processPayment")
        {
            Data = { ["orderId"] = "o-7" },
            TraceId = "trace-saga",
            CorrelationId = "order-o-7",
        });
        await RunUntilIdleAsync();

        Assert.Equal(1, recoverCalls);
        Assert.Equal("card declined", seen!.Message);
        Assert.Equal(4, CallsOf("processPayment").Length);
        Assert.Equal(CommandStatus.Failed, await StatusOf(payment.Id));
        var compensation = (await Store.FindAsync(new() { ParentId = payment.Id, Order = Storage.CommandOrder.OldestFirst })).Items;
        Assert.Equal(["refundPayment", "releaseInventory", "notifyCustomer"], compensation.Select(c => c.Name));
        Assert.All(compensation, c =>
        {
            Assert.Equal(CommandStatus.Completed, c.Status);
            Assert.Equal("trace-saga", c.TraceId);
            Assert.Equal("order-o-7", c.CorrelationId);
        });
        Assert.Equal("o-7", compensation[0].Data.GetString("orderId"));
        Assert.Equal("card declined", compensation[2].Data.GetString("error"));
        Assert.Contains("spawned 3", (await Store.GetHistoryAsync(payment.Id)).Last().Message);
    }

    [SkippableFact]
    public async Task A_throwing_recover_hook_still_fails_the_command_and_says_so()
    {
        Handle("pay", _ => throw new InvalidOperationException("declined"), c => c
            .OnRecover((_, _, _) => throw new InvalidOperationException("refund service down")));
        await StartAsync();
        var command = await AddAsync(new CommandSpec("pay"));
        await RunUntilIdleAsync();
        Assert.Equal(CommandStatus.Failed, await StatusOf(command.Id));
        var failed = (await Store.GetHistoryAsync(command.Id)).Last();
        Assert.Contains("refund service down", failed.Message);
    }

    [SkippableFact]
    public async Task Trace_and_correlation_ids_reach_every_descendant()
    {
        Handle("root", _ => CommandResult.Spawn(new CommandSpec("mid") { Sequence = ["step2"] }, new CommandSpec("fan")));
        Handle("mid", ctx => ctx.ContinueSequence());
        Handle("step2");
        Handle("fan", _ => CommandResult.SpawnThen([new CommandSpec("leaf"), new CommandSpec("leaf")], new CommandSpec("join")));
        Handle("leaf");
        Handle("join");
        await StartAsync();
        var root = await AddAsync(new CommandSpec("root") { TraceId = "00-abc-01" });
        await RunUntilIdleAsync();

        var all = await Executor.FindByCorrelationIdAsync(root.Id.ToString());
        Assert.Equal(["fan", "join", "leaf", "leaf", "mid", "root", "step2"], all.Select(c => c.Name).Order());
        Assert.All(all, c => Assert.Equal("00-abc-01", c.TraceId));
        Assert.All(all, c => Assert.Equal(CommandStatus.Completed, c.Status));
        Assert.Equal(all.Single(c => c.Name == "mid").Id, all.Single(c => c.Name == "step2").ParentId);
    }

    [SkippableFact]
    public async Task Explicit_child_ids_win_over_inherited_ones()
    {
        Handle("root", _ => CommandResult.Next(new CommandSpec("child") { CorrelationId = "other", TraceId = "t2" }));
        Handle("child");
        await StartAsync();
        await AddAsync(new CommandSpec("root") { TraceId = "t1", CorrelationId = "c1" });
        await RunUntilIdleAsync();
        var child = Assert.Single((await Store.FindAsync(new() { Name = "child" })).Items);
        Assert.Equal("other", child.CorrelationId);
        Assert.Equal("t2", child.TraceId);
    }
}
