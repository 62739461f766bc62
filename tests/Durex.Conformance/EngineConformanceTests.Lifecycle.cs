namespace Durex.Conformance;

public abstract partial class EngineConformanceTests
{
    [SkippableFact]
    public async Task Stop_then_start_again_keeps_working()
    {
        Handle("job");
        await StartAsync();
        await AddAsync(new CommandSpec("job"));
        await RunUntilIdleAsync();
        await Executor.StopAsync();
        Assert.False(Executor.IsRunning);
        await AddAsync(new CommandSpec("job"));
        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Equal(2, Calls.Count);
    }

    [SkippableFact]
    public async Task Start_is_idempotent_and_wait_for_idle_requires_a_running_executor()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Executor.WaitForIdleAsync());
        await StartAsync();
        await StartAsync();
        Assert.True(Executor.IsRunning);
        await RunUntilIdleAsync();
    }

    [SkippableFact]
    public async Task Handlers_cannot_be_registered_while_running()
    {
        await StartAsync();
        var ex = Assert.Throws<InvalidOperationException>(() => Handle("late"));
        Assert.Contains("before the executor starts", ex.Message);
    }

    [SkippableFact]
    public async Task Add_many_is_all_or_nothing()
    {
        Handle("job");
        await AddAsync(new CommandSpec("job") { UniqueKey = "dup" });
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Executor.AddManyAsync(
            [new CommandSpec("job") { Data = { ["n"] = 1 } }, new CommandSpec("job") { UniqueKey = "dup" }]));
        Assert.Single((await Store.FindAsync(new() { Name = "job" })).Items);
        await Assert.ThrowsAsync<ArgumentException>(async () => await Executor.AddManyAsync(
            [new CommandSpec("job"), new CommandSpec("job") { Retries = -1 }]));
        Assert.Single((await Store.FindAsync(new() { Name = "job" })).Items);

        var added = await Executor.AddManyAsync(Enumerable.Range(0, 50).Select(i => new CommandSpec("job") { Data = { ["n"] = i } }));
        Assert.Equal(50, added.Count);
        await StartAsync();
        await RunUntilIdleAsync();
        Assert.Equal(51, Calls.Count); // the 50 and the "dup" holder
    }

    [SkippableFact]
    public async Task Two_executors_on_one_store_run_each_command_once()
    {
        var second = NewExecutor();
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<Guid, int>();
        foreach (var executor in new[] { Executor, second })
        {
            executor.Handle("job", (ctx, _) =>
            {
                counts.AddOrUpdate(ctx.Id, 1, (_, n) => n + 1);
                return Done();
            });
        }

        await StartAsync();
        await StartAsync(second);
        await Executor.AddManyAsync(Enumerable.Range(0, 400).Select(_ => new CommandSpec("job")));
        await RunUntilIdleAsync();
        await RunUntilIdleAsync(second);
        await RunUntilIdleAsync();
        Assert.Equal(400, counts.Count);
        Assert.All(counts.Values, n => Assert.Equal(1, n));
    }

    [SkippableFact]
    public async Task An_executor_only_claims_names_it_handles()
    {
        var other = NewExecutor();
        Handle("mine");
        Handle("theirs", executor: other);
        await StartAsync();
        var theirs = await AddAsync(new CommandSpec("theirs"));
        await AddAsync(new CommandSpec("mine"));
        await RunUntilIdleAsync();
        Assert.Equal(["mine#1"], Calls);
        Assert.Equal(CommandStatus.Pending, await StatusOf(theirs.Id));
        await StartAsync(other);
        await RunUntilIdleAsync(other);
        Assert.Equal(CommandStatus.Completed, await StatusOf(theirs.Id));
    }
}
