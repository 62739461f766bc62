using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX1003: workflows whose steps start each other in a cycle; reported at each start that closes one.</summary>
public sealed class DURX1003Tests
{
    private const string Rule = "DURX1003";

    private static string Message(string cycle) =>
        $"Workflows start each other in a cycle ({cycle}): every run would start another without end. Break the cycle, or start the next run from outside the workflow.";

    [Fact]
    public async Task A_workflow_starting_itself_is_reported_at_the_start()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public sealed class A(IDurexClient client)
            {
                [Step(1)] public async Task Go() => await {|#0:Workflows.A.StartAsync(client)|};
            }
            """, Error(Rule, 0, Message("a → a")));
    }

    [Fact]
    public async Task Two_workflows_starting_each_other_are_reported_at_both_starts()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public sealed class A(IDurexClient client)
            {
                [Step(1)] public async Task Go() => await {|#0:Workflows.B.StartAsync(client)|};
            }

            [Workflow("b")]
            public sealed class B(IDurexClient client)
            {
                [Step(1)] public async Task Go() => await {|#1:Workflows.A.StartAsync(client)|};
            }
            """, Error(Rule, 0, Message("a → b → a")), Error(Rule, 1, Message("b → a → b")));
    }

    [Fact]
    public async Task A_three_workflow_cycle_through_Definition_and_payloads_is_reported_at_every_start()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public sealed class A(IDurexClient client)
            {
                [Step(1)] public async Task Go(Payload p) => await {|#0:Workflows.B.StartAsync(client, p)|};
            }

            [Workflow("b")]
            public sealed class B(IDurexClient client)
            {
                [Step(1)] public async Task Go(Payload p) => await {|#1:Workflows.C.Definition.StartAsync(client, new CommandData())|};
            }

            [Workflow("c")]
            public sealed class C(IDurexClient client)
            {
                [Step(1)] public async Task Go(Payload p) => await {|#2:Workflows.A.StartAsync(client, p, new EnqueueOptions { Priority = 1 })|};
            }
            """,
            Error(Rule, 0, Message("a → b → c → a")),
            Error(Rule, 1, Message("b → c → a → b")),
            Error(Rule, 2, Message("c → a → b → c")));
    }

    [Fact]
    public async Task A_cycle_from_a_later_step_is_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public sealed class A(IDurexClient client)
            {
                [Step(1, NoCompensation = true)] public void Prepare() { }
                [Step(2)] public async Task Again()
                {
                    if (DateTime.UtcNow.Year > 2000)
                    {
                        await {|#0:Workflows.A.StartAsync(client)|};
                    }
                }
            }
            """, Error(Rule, 0, Message("a → a")));
    }

    [Fact]
    public async Task A_start_inside_a_lambda_of_a_step_is_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public sealed class A(IDurexClient client)
            {
                [Step(1)] public Task Go() => Task.Run(async () => await {|#0:Workflows.A.StartAsync(client)|});
            }
            """, Error(Rule, 0, Message("a → a")));
    }

    [Fact]
    public async Task A_chain_without_a_cycle_is_not_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public sealed class A(IDurexClient client)
            {
                [Step(1)] public async Task Go() { await Workflows.B.StartAsync(client); await Workflows.C.StartAsync(client); }
            }

            [Workflow("b")]
            public sealed class B(IDurexClient client)
            {
                [Step(1)] public async Task Go() => await Workflows.C.Definition.StartAsync(client, new CommandData());
            }

            [Workflow("c")]
            public static class C
            {
                [Step(1)] public static void Go() { }
            }
            """);
    }

    [Fact]
    public async Task Starting_a_workflow_from_outside_any_workflow_is_not_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public static class A
            {
                [Step(1)] public static void Go() { }
            }

            public static class Starter
            {
                public static async Task Run(IDurexClient client) { await Workflows.A.StartAsync(client); await Workflows.A.StartAsync(client); }
            }
            """);
    }

    [Fact]
    public async Task A_start_from_a_non_step_method_of_the_workflow_is_not_followed()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("a")]
            public sealed class A(IDurexClient client)
            {
                [Step(1)] public static void Go() { }
                public Task Restart() => Workflows.A.StartAsync(client).AsTask();
            }
            """);
    }
}
