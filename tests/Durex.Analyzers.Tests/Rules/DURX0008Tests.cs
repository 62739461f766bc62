using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0008: one command name used by several declarations; reported at every declaration that uses it.</summary>
public sealed class DURX0008Tests
{
    private const string Rule = "DURX0008";

    [Fact]
    public async Task A_command_name_used_twice_is_reported_at_both_methods()
    {
        // The owners are listed in source order.
        const string message = "Command name 'same' is used 2 times ([DurexCommand] One, [DurexCommand] Two); each command needs its own name";
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class A { [DurexCommand("same")] public static void {|#0:One|}() { } }
            public static class B
            {
                [DurexCommand("same")] public static void {|#1:Two|}() { }
                [DurexCommand("other")] public static void Three() { }
            }
            """, Error(Rule, 0, message), Error(Rule, 1, message));
    }

    [Fact]
    public async Task A_command_name_used_three_times_names_every_use()
    {
        const string message = "Command name 'same' is used 3 times ([DurexCommand] One, [DurexCommand] Two, [DurexCommand] Three); each command needs its own name";
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class A
            {
                [DurexCommand("same")] public static void {|#0:One|}() { }
                [DurexCommand("same")] public static void {|#1:Two|}() { }
                [DurexCommand("same")] public static void {|#2:Three|}() { }
            }
            """, Error(Rule, 0, message), Error(Rule, 1, message), Error(Rule, 2, message));
    }

    [Fact]
    public async Task A_command_named_like_a_workflow_step_is_reported_at_the_method_and_the_workflow()
    {
        const string message = "Command name 'w.charge' is used 2 times ([DurexCommand] M, workflow w (step ChargeAsync)); each command needs its own name";
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C { [DurexCommand("w.charge")] public static void {|#0:M|}() { } }

            [Workflow("w")]
            public static class {|#1:W|}
            {
                [Step(1)] public static Task ChargeAsync() => Task.CompletedTask;
            }
            """, Error(Rule, 0, message), Error(Rule, 1, message));
    }

    [Fact]
    public async Task Two_steps_mapping_to_one_command_name_are_reported_once_at_the_workflow()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class {|#0:W|}
            {
                [Step(1)] public static void Charge() { }
                [Step(2)] public static Task ChargeAsync() => Task.CompletedTask;
            }
            """, Error(Rule, 0, "Command name 'w.charge' is used 2 times (workflow w (step Charge), workflow w (step ChargeAsync)); each command needs its own name"));
    }

    [Fact]
    public async Task A_step_that_is_also_a_compensation_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class {|#0:W|}
            {
                [Step(1, Compensate = nameof(B))] public static void A() { }
                [Step(2)] public static void B() { }
            }
            """, Error(Rule, 0, "Command name 'w.b' is used 2 times (workflow w (step B), workflow w (compensation B)); each command needs its own name"));
    }

    [Fact]
    public async Task Two_workflows_of_the_same_name_are_reported_at_both_classes()
    {
        const string message = "Command name 'w.a' is used 2 times (workflow w (step A), workflow w (step A)); each command needs its own name";
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class {|#0:W1|} { [Step(1)] public static void A() { } }

            [Workflow("w")]
            public static class {|#1:W2|} { [Step(1)] public static void A() { } }
            """, Error(Rule, 0, message), Error(Rule, 1, message));
    }

    [Fact]
    public async Task Distinct_names_are_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("one")] public static void One() { }
                [DurexCommand("two")] public static void Two() { }
                [DurexCommand("w")] public static void SameAsWorkflowName() { }
            }

            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = nameof(Undo))] public static void A() { }
                [Step(2, Compensate = nameof(Undo))] public static void B() { }
                [Step(3)] public static void C() { }
                public static void Undo() { }
            }
            """);
    }

    [Fact]
    public async Task A_declaration_with_another_error_is_left_out_of_the_count()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("same")] public static void One() { }
                [DurexCommand("same")] public static int {|#0:Two|}() => 0;
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX0002").WithLocation(0)
            .WithArguments("C.Two cannot handle command 'same': it returns int; return Task, ValueTask, CommandResult, Task<CommandResult> or ValueTask<CommandResult>"));
    }
}
