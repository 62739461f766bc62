using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>
/// DURX1004: a workflow step with no compensation while a later step can fail; reported at the step's attribute.
/// NoCompensation = true says it is intended; the last step never needs one.
/// </summary>
public sealed class DURX1004Tests
{
    private const string Rule = "DURX1004";

    private static string Message(string step, int order, string later, int laterOrder) =>
        $"Step {step} ({order}) of workflow W has no compensation, but step {later} ({laterOrder}) after it can fail: add Compensate = nameof(...) to undo it, or NoCompensation = true if it changes nothing that needs undoing.";

    [Fact]
    public async Task A_step_without_compensation_before_another_is_reported_at_its_attribute()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [{|#0:Step(1)|}] public static void Reserve() { }
                [Step(2)] public static void Charge() { }
            }
            """, Warning(Rule, 0, Message("Reserve", 1, "Charge", 2)));
    }

    [Fact]
    public async Task Every_step_but_the_last_is_reported_naming_the_next_step()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [{|#0:Step(1)|}] public static void Reserve() { }
                [{|#1:Step(2, Retries = 3)|}] public static void Charge() { }
                [Step(3)] public static void Ship() { }
            }
            """, Warning(Rule, 0, Message("Reserve", 1, "Charge", 2)), Warning(Rule, 1, Message("Charge", 2, "Ship", 3)));
    }

    [Fact]
    public async Task Parallel_steps_before_the_last_are_each_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [{|#0:Step(1, Parallel = true)|}] public static void Email() { }
                [{|#1:Step(1, Parallel = true)|}] public static void Sms() { }
                [Step(2)] public static void Log() { }
            }
            """, Warning(Rule, 0, Message("Email", 1, "Log", 2)), Warning(Rule, 1, Message("Sms", 1, "Log", 2)));
    }

    [Fact]
    public async Task NoCompensation_false_is_still_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [{|#0:Step(1, NoCompensation = false)|}] public static void Reserve() { }
                [Step(2)] public static void Charge() { }
            }
            """, Warning(Rule, 0, Message("Reserve", 1, "Charge", 2)));
    }

    [Fact]
    public async Task Steps_with_a_compensation_or_NoCompensation_are_not_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = nameof(Release))] public static void Reserve() { }
                [Step(2, NoCompensation = true)] public static void Notify() { }
                [Step(3)] public static void Charge() { }
                public static void Release() { }
            }
            """);
    }

    [Fact]
    public async Task The_last_step_is_never_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("single")]
            public static class Single
            {
                [Step(1)] public static void Only() { }
            }

            [Workflow("fanout")]
            public static class FanOut
            {
                [Step(1, NoCompensation = true)] public static void First() { }
                [Step(2, Parallel = true)] public static void Email() { }
                [Step(2, Parallel = true)] public static void Sms() { }
            }
            """);
    }

    [Fact]
    public async Task A_class_without_the_Workflow_attribute_is_not_checked()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync(Prelude + """
            public static class NotAWorkflow
            {
                [Step(1)] public static void A() { }
                [Step(2)] public static void B() { }
            }
            """);
    }
}
