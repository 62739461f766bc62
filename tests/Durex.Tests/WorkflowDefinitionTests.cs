using Durex.Storage;

namespace Durex.Tests;

/// <summary>The hand-written side of workflows: a definition's checks, registration, and a step breaking the rules.</summary>
public sealed class WorkflowDefinitionTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private static WorkflowHandler Body(Func<CommandContext, CommandResult>? body = null) =>
        new((context, _) => ValueTask.FromResult(body?.Invoke(context) ?? CommandResult.Empty));

    [Fact]
    public void Step_orders_must_run_without_gaps()
    {
        var error = Assert.Throws<ArgumentException>(() => new WorkflowDefinition("w", [new(1, "w.a"), new(3, "w.b")]));
        Assert.Contains("without gaps", error.Message);
    }

    [Fact]
    public void Steps_sharing_an_order_must_all_be_parallel()
    {
        var error = Assert.Throws<ArgumentException>(() => new WorkflowDefinition("w", [new(1, "w.a"), new(1, "w.b", Parallel: true)]));
        Assert.Contains("mark them Parallel", error.Message);
    }

    [Fact]
    public void A_definition_needs_steps_valid_names_and_no_repeated_step()
    {
        Assert.Contains("no steps", Assert.Throws<ArgumentException>(() => new WorkflowDefinition("w", [])).Message);
        Assert.Throws<ArgumentException>(() => new WorkflowDefinition("bad name", [new(1, "w.a")]));
        Assert.Throws<ArgumentException>(() => new WorkflowDefinition("w", [new(1, "w a")]));
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() =>
            new WorkflowDefinition("w", [new(1, "w.a"), new(2, "w.a")])).Message);
    }

    [Fact]
    public async Task Registration_needs_a_handler_for_every_step_and_compensation_and_nothing_else()
    {
        var definition = new WorkflowDefinition("w", [new(1, "w.a", Compensation: "w.undoA"), new(2, "w.b")]);
        await using var executor = new Executor(new MemoryStore());

        var missing = Assert.Throws<ArgumentException>(() => executor.AddWorkflow(definition, new Dictionary<string, WorkflowHandler>
        {
            ["w.a"] = Body(),
            ["w.b"] = Body(),
        }));
        Assert.Contains("w.undoA has no handler", missing.Message);

        var unknown = Assert.Throws<ArgumentException>(() => executor.AddWorkflow(definition, new Dictionary<string, WorkflowHandler>
        {
            ["w.a"] = Body(),
            ["w.b"] = Body(),
            ["w.undoA"] = Body(),
            ["w.c"] = Body(),
        }));
        Assert.Contains("w.c is neither a step nor a compensation", unknown.Message);
    }

    [Fact]
    public async Task A_step_returning_a_result_other_than_empty_or_retry_fails_with_a_message_and_compensates()
    {
        var undone = new List<string>();
        var definition = new WorkflowDefinition("w", [new(1, "w.a", Compensation: "w.undoA"), new(2, "w.b")]);
        await using var executor = new Executor(new MemoryStore()).AddWorkflow(definition, new Dictionary<string, WorkflowHandler>
        {
            ["w.a"] = Body(),
            ["w.b"] = Body(_ => CommandResult.Repeat()),
            ["w.undoA"] = Body(c =>
            {
                undone.Add(c.Name);
                return CommandResult.Empty;
            }),
        });
        await executor.StartAsync();

        var run = await definition.StartAsync(executor, new CommandData());
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);

        var status = await definition.GetStatusAsync(executor, run.CorrelationId);
        Assert.Equal(WorkflowState.Compensated, status!.State);
        Assert.Equal(["w.undoA"], undone);
        var failed = status.Commands.Single(c => c.Name == "w.b");
        Assert.Contains("may only return CommandResult.Empty or CommandResult.Retry()", failed.Error);
    }

    [Fact]
    public async Task A_workflow_starting_with_a_parallel_group_starts_through_its_start_command()
    {
        var ran = new List<string>();
        var definition = new WorkflowDefinition("w", [new(1, "w.a", Parallel: true), new(1, "w.b", Parallel: true), new(2, "w.c")]);
        await using var executor = new Executor(new MemoryStore(), o => o.Parallelism = 1).AddWorkflow(definition, new Dictionary<string, WorkflowHandler>
        {
            ["w.a"] = Body(c => { ran.Add(c.Name); return CommandResult.Empty; }),
            ["w.b"] = Body(c => { ran.Add(c.Name); return CommandResult.Empty; }),
            ["w.c"] = Body(c => { ran.Add(c.Name); return CommandResult.Empty; }),
        });
        await executor.StartAsync();

        var run = await definition.StartAsync(executor, new CommandData());
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);

        Assert.Equal("w:start", run.FirstCommand.Name);
        Assert.Equal(["w.a", "w.b", "w.c"], ran);
        Assert.Equal(WorkflowState.Completed, (await definition.GetStatusAsync(executor, run.CorrelationId))!.State);
    }
}
