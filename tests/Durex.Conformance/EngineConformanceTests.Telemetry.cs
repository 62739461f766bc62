using System.Diagnostics;
using Durex.Diagnostics;

namespace Durex.Conformance;

/// <summary>Spans and metrics, on every store: the trace context must survive the store's rows (enqueue, claim, spawn).</summary>
public abstract partial class EngineConformanceTests
{
    [SkippableFact]
    public async Task Attempt_spans_are_children_of_the_enqueue_span_and_spawned_commands_of_the_attempt()
    {
        using var spans = new SpanRecorder();
        Handle("parent", _ => CommandResult.Next(new CommandSpec("child")));
        Handle("child");
        await StartAsync();

        CommandInstance parent;
        Activity root;
        using (root = SpanRecorder.TestSource.StartActivity("request")!)
        {
            parent = await AddAsync(new CommandSpec("parent"));
        }

        await RunUntilIdleAsync();
        var trace = root.TraceId;
        var enqueue = spans.Single(trace, "enqueue parent");
        Assert.Equal(ActivityKind.Producer, enqueue.Kind);
        Assert.Equal(root.SpanId, enqueue.ParentSpanId);
        Assert.Equal(parent.Id.ToString(), enqueue.GetTagItem("messaging.message.id"));

        var processParent = spans.Single(trace, "process parent");
        Assert.Equal(ActivityKind.Consumer, processParent.Kind);
        Assert.Equal(enqueue.SpanId, processParent.ParentSpanId);
        Assert.Equal("completed", processParent.GetTagItem(DurexDiagnostics.OutcomeTag));
        Assert.Equal(parent.CorrelationId, processParent.GetTagItem("durex.correlation_id"));

        var processChild = spans.Single(trace, "process child");
        Assert.Equal(processParent.SpanId, processChild.ParentSpanId);

        // The stored ids: the Go library's TraceID is the W3C trace id, inherited by the child.
        var workflow = await Executor.FindByCorrelationIdAsync(parent.CorrelationId!);
        Assert.Equal(2, workflow.Count);
        Assert.All(workflow, c => Assert.Equal(trace.ToHexString(), c.TraceId));
        Assert.Equal(enqueue.Id, workflow.Single(c => c.Name == "parent").TraceParent);
        Assert.Equal(processParent.Id, workflow.Single(c => c.Name == "child").TraceParent);
    }

    [SkippableFact]
    public async Task A_failed_attempt_span_is_an_error_and_each_retry_has_its_own_span()
    {
        using var spans = new SpanRecorder();
        Handle("flaky", ctx => ctx.Attempt == 1 ? throw new InvalidOperationException("card declined") : CommandResult.Empty, c => c.Retries(1));
        await StartAsync();
        Activity root;
        using (root = SpanRecorder.TestSource.StartActivity("request")!)
        {
            await AddAsync(new CommandSpec("flaky"));
        }

        await RunUntilIdleAsync();
        var enqueue = spans.Single(root.TraceId, "enqueue flaky");
        var attempts = spans.InTrace(root.TraceId).Where(a => a.DisplayName == "process flaky").OrderBy(a => a.GetTagItem("durex.attempt")).ToArray();
        Assert.Equal(2, attempts.Length);
        Assert.All(attempts, a => Assert.Equal(enqueue.SpanId, a.ParentSpanId));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal("card declined", attempts[0].StatusDescription);
        Assert.Equal("retrying", attempts[0].GetTagItem(DurexDiagnostics.OutcomeTag));
        Assert.Equal(typeof(InvalidOperationException).FullName, attempts[0].GetTagItem("error.type"));
        Assert.Contains(attempts[0].Events, e => e.Name == "exception");
        Assert.NotEqual(ActivityStatusCode.Error, attempts[1].Status);
        Assert.Equal("completed", attempts[1].GetTagItem(DurexDiagnostics.OutcomeTag));
    }

    [SkippableFact]
    public async Task Meter_counts_attempts_per_command_and_outcome()
    {
        UseExecutor(o => o.UseDeadLetterQueue());
        using var metrics = new MeasurementRecorder(Executor.Meter);
        Handle("ok");
        Handle("flaky", ctx => ctx.Attempt == 1 ? throw new InvalidOperationException("once") : CommandResult.Empty, c => c.Retries(1));
        Handle("doomed", _ => throw new InvalidOperationException("always"), c => c.Retries(1));
        Handle("again", ctx => ctx.Attempt == 1 ? CommandResult.Retry() : CommandResult.Empty, c => c.Retries(1));
        Handle("late");
        foreach (var name in new[] { "ok", "ok", "ok", "flaky", "doomed", "again" })
        {
            await AddAsync(new CommandSpec(name));
        }

        await AddAsync(new CommandSpec("late") { Delay = TimeSpan.FromSeconds(5), Deadline = TimeSpan.FromSeconds(1) });
        await AddAsync(new CommandSpec("late") { Delay = TimeSpan.FromSeconds(10) });

        // Before the executor runs, the queue gauge shows the six ready commands.
        await Executor.GetStatisticsAsync();
        Assert.Equal(6, metrics.Observe()[DurexDiagnostics.QueueSize]);

        await StartAsync();
        await RunUntilIdleAsync();
        await AdvanceAsync(TimeSpan.FromSeconds(12));

        Assert.Equal(3, metrics.Sum(DurexDiagnostics.CommandsStarted, "ok"));
        Assert.Equal(3, metrics.Sum(DurexDiagnostics.CommandsCompleted, "ok"));
        Assert.Equal(0, metrics.Sum(DurexDiagnostics.CommandsFailed, "ok"));
        Assert.Equal([2, 1, 1, 1], Counts("flaky"));
        Assert.Equal([2, 0, 2, 1], Counts("doomed"));
        Assert.Equal([2, 1, 0, 1], Counts("again")); // a Retry result is neither a failure nor a completion
        Assert.Equal(1, metrics.Sum(DurexDiagnostics.CommandsExpired, "late"));
        Assert.Equal(1, metrics.Sum(DurexDiagnostics.CommandsStarted, "late"));
        Assert.Equal(10, metrics.Values(DurexDiagnostics.CommandDuration).Count);
        Assert.Equal([2d], metrics.Values(DurexDiagnostics.CommandWait, "late")); // ready at +10 s, started at +12 s
        Assert.NotEmpty(metrics.Values(DurexDiagnostics.ClaimDuration));

        await Executor.GetStatisticsAsync();
        var gauges = metrics.Observe();
        Assert.Equal(0, gauges[DurexDiagnostics.QueueSize]);
        Assert.Equal(1, gauges[DurexDiagnostics.DeadLetters]);
        Assert.Equal(0, gauges[DurexDiagnostics.CommandsRunning]);
        Assert.Equal(6, gauges[$"{DurexDiagnostics.Commands}[COMPLETED]"]);
        Assert.Equal(1, gauges[$"{DurexDiagnostics.Commands}[EXPIRED]"]);
        Assert.Equal(1, gauges[$"{DurexDiagnostics.Commands}[DEAD_LETTER]"]);

        double[] Counts(string name) =>
        [
            metrics.Sum(DurexDiagnostics.CommandsStarted, name), metrics.Sum(DurexDiagnostics.CommandsCompleted, name),
            metrics.Sum(DurexDiagnostics.CommandsFailed, name), metrics.Sum(DurexDiagnostics.CommandsRetried, name),
        ];
    }

    [SkippableFact]
    public async Task The_running_gauge_counts_attempts_in_their_handler()
    {
        using var metrics = new MeasurementRecorder(Executor.Meter);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Executor.Handle("slow", async (_, _) =>
        {
            entered.TrySetResult();
            await release.Task;
            return CommandResult.Empty;
        });
        await StartAsync();
        await AddAsync(new CommandSpec("slow"));
        await entered.Task.WaitAsync(HangGuard);
        Assert.Equal(1, metrics.Observe()[DurexDiagnostics.CommandsRunning]);
        release.SetResult();
        await RunUntilIdleAsync();
        Assert.Equal(0, metrics.Observe()[DurexDiagnostics.CommandsRunning]);
    }
}
