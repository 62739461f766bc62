using Durex.Generators.EndToEnd.Tests.UserCode;
using Durex.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Durex.Generators.EndToEnd.Tests;

/// <summary>Generated workflows on the memory store: order, data passing, compensation in reverse order, status.</summary>
public sealed class WorkflowTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly Payments _payments = new();
    private Executor _executor = null!;

    public async Task InitializeAsync()
    {
        Recorder.Take();
        var services = new ServiceCollection().AddSingleton(_payments).AddSingleton(new Mailer()).AddScoped<AttemptScope>().BuildServiceProvider();
        _executor = new Executor(new MemoryStore(), o =>
        {
            o.Parallelism = 1; // one worker: parallel members run in spawn order
            o.Services = services;
        }).AddGeneratedCommands();
        await _executor.StartAsync();
    }

    public async Task DisposeAsync() => await _executor.DisposeAsync();

    private static Order NewOrder(string customer) => new(Guid.NewGuid(), customer, [new("book", 2), new("pen", 3)], 42.5m);

    private async Task<WorkflowStatus> RunAsync(Func<Task<WorkflowRun>> start, Func<IDurexClient, string, ValueTask<WorkflowStatus?>> status)
    {
        var run = await start();
        await _executor.WaitForIdleAsync().WaitAsync(HangGuard);
        return (await status(_executor, run.CorrelationId))!;
    }

    [Fact]
    public async Task Steps_run_in_order_passing_the_payload_and_the_data_they_set()
    {
        var status = await RunAsync(async () => await Workflows.ProcessOrder.StartAsync(_executor, NewOrder("ada")), (c, id) => Workflows.ProcessOrder.GetStatusAsync(c, id));

        Assert.Equal(["charge 42.5", "reserve 5 (ch-42.5)", "ship #1"], Recorder.Take());
        Assert.Equal(WorkflowState.Completed, status.State);
        Assert.Equal(["processOrder.charge", "processOrder.reserveStock", "processOrder.ship"], status.Commands.Select(c => c.Name));
        Assert.All(status.Commands, c => Assert.Equal(CommandStatus.Completed, c.Status));
        Assert.Equal(1, _payments.Charges);
    }

    [Fact]
    public async Task A_step_failing_for_good_runs_the_completed_steps_compensations_in_reverse_order()
    {
        var status = await RunAsync(async () => await Workflows.ProcessOrder.StartAsync(_executor, NewOrder("unreachable")), (c, id) => Workflows.ProcessOrder.GetStatusAsync(c, id));

        Assert.Equal(["charge 42.5", "reserve 5 (ch-42.5)", "ship #1", "ship #2", "release 2 lines", "refund ch-42.5"], Recorder.Take());
        Assert.Equal(WorkflowState.Compensated, status.State);
        Assert.Equal(
            ["processOrder.charge", "processOrder.reserveStock", "processOrder.ship", "processOrder.releaseStock", "processOrder.refund"],
            status.Commands.Select(c => c.Name));
    }

    [Fact]
    public async Task A_compensation_failing_for_good_stops_the_chain_and_leaves_the_workflow_failed()
    {
        var status = await RunAsync(async () => await Workflows.ProcessOrder.StartAsync(_executor, NewOrder("unreachable, refund fails")),
            (c, id) => Workflows.ProcessOrder.GetStatusAsync(c, id));

        Assert.Equal(["charge 42.5", "reserve 5 (ch-42.5)", "ship #1", "ship #2", "release 2 lines", "refund ch-42.5"], Recorder.Take());
        Assert.Equal(WorkflowState.Failed, status.State);
        Assert.Equal(CommandStatus.Failed, status.Commands.Single(c => c.Name == "processOrder.refund").Status);
    }

    [Fact]
    public async Task A_run_keeps_the_correlation_id_it_was_started_with()
    {
        var run = await Workflows.ProcessOrder.StartAsync(_executor, NewOrder("ada"), new EnqueueOptions { CorrelationId = "order-77" });
        await _executor.WaitForIdleAsync().WaitAsync(HangGuard);

        Assert.Equal("order-77", run.CorrelationId);
        var status = await Workflows.ProcessOrder.GetStatusAsync(_executor, "order-77");
        Assert.Equal(WorkflowState.Completed, status!.State);
        Assert.All(status.Commands, c => Assert.Equal("order-77", c.CorrelationId));
    }

    [Fact]
    public async Task The_status_of_an_unknown_run_is_null()
    {
        Assert.Null(await Workflows.ProcessOrder.GetStatusAsync(_executor, "no-such-run"));
    }

    [Fact]
    public async Task A_parallel_group_fans_out_and_the_next_step_sees_every_members_data()
    {
        var status = await RunAsync(async () => await Workflows.Fulfil.StartAsync(_executor, NewOrder("ada")), (c, id) => Workflows.Fulfil.GetStatusAsync(c, id));

        Assert.Equal(["pack", "label", "courier", "dispatch L-1 C-9"], Recorder.Take());
        Assert.Equal(WorkflowState.Completed, status.State);
        Assert.Contains(status.Commands, c => c.Name == "fulfil:join:2" && c.Status == CommandStatus.Completed);
    }

    [Fact]
    public async Task A_parallel_member_failing_for_good_compensates_the_members_that_completed_and_the_steps_before()
    {
        var status = await RunAsync(async () => await Workflows.Fulfil.StartAsync(_executor, NewOrder("no-courier")), (c, id) => Workflows.Fulfil.GetStatusAsync(c, id));

        var calls = Recorder.Take();
        Assert.Equal("pack", calls[0]);
        Assert.Equal("label", calls[1]);
        Assert.All(calls[2..^1], c => Assert.Equal("courier", c));
        Assert.Equal("void label", calls[^1]); // the courier never booked: nothing to cancel; pack has no compensation
        Assert.Equal(WorkflowState.Compensated, status.State);
        Assert.DoesNotContain(status.Commands, c => c.Name == "fulfil.dispatch");
    }
}
