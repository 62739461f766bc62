using Durex.Conformance;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;

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

    [Fact]
    public async Task A_member_still_running_when_its_sibling_fails_is_compensated_once_it_completes_with_its_data()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var tap = new InstrumentedStore(new MemoryStore());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var definition = new WorkflowDefinition("w",
        [
            new(1, "w.first", Compensation: "w.undoFirst"),
            new(2, "w.slow", Compensation: "w.undoSlow", Parallel: true),
            new(2, "w.fast", Compensation: "w.undoFast", Parallel: true),
            new(3, "w.last"),
        ]);
        await using var executor = new Executor(tap, o =>
        {
            o.TimeProvider = time;
            o.Parallelism = 2;
        }).AddWorkflow(definition, new Dictionary<string, WorkflowHandler>
        {
            ["w.first"] = Body(c => { ran.Enqueue(c.Name); return CommandResult.Empty; }),
            ["w.slow"] = new(async (c, ct) =>
            {
                await release.Task.WaitAsync(ct);
                c.Set("parcel", "P-7");
                ran.Enqueue(c.Name);
                return CommandResult.Empty;
            }),
            ["w.fast"] = Body(_ => throw new InvalidOperationException("no courier")),
            ["w.last"] = Body(c => { ran.Enqueue(c.Name); return CommandResult.Empty; }),
            ["w.undoFirst"] = Body(c => { ran.Enqueue(c.Name); return CommandResult.Empty; }),
            ["w.undoSlow"] = Body(c => { ran.Enqueue($"{c.Name} {c.Data.GetString("parcel")}"); return CommandResult.Empty; }),
            ["w.undoFast"] = Body(c => { ran.Enqueue(c.Name); return CommandResult.Empty; }),
        });
        await executor.StartAsync();
        var run = await definition.StartAsync(executor, new CommandData());

        // Each apply is an event: wait for the one that leaves the unwind repeating while w.slow still runs.
        while (true)
        {
            var applied = tap.NextAsync(nameof(ICommandStore.ApplyAsync));
            var commands = await executor.FindByCorrelationIdAsync(run.CorrelationId);
            if (commands.Any(c => c.Name == "w:unwind:2" && c.Status == CommandStatus.Repeating))
            {
                Assert.Equal(WorkflowState.Compensating, (await definition.GetStatusAsync(executor, run.CorrelationId))!.State);
                Assert.Equal(["w.first"], ran); // nothing undone while a member may still complete
                break;
            }

            await applied.WaitAsync(HangGuard);
        }

        var slowDone = tap.NextAsync(nameof(ICommandStore.ApplyAsync));
        release.SetResult();
        await slowDone.WaitAsync(HangGuard);
        time.Advance(WorkflowDefinition.UnwindPollInterval);
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);

        Assert.Equal(["w.first", "w.slow", "w.undoSlow P-7", "w.undoFirst"], ran);
        Assert.Equal(WorkflowState.Compensated, (await definition.GetStatusAsync(executor, run.CorrelationId))!.State);
    }
}
