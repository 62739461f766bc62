using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>
/// DURX1001: workflow steps that are not valid: gaps in the numbering, a shared number without Parallel, no steps, and
/// steps (or compensations) taking differing payload types.
/// </summary>
public sealed class DURX1001Tests
{
    private const string Rule = "DURX1001";

    [Theory]
    [InlineData("[Step(1)] public static void A() { } [Step(3)] public static void B() { }", "found 3 where 2 was expected")]
    [InlineData("[Step(2)] public static void A() { } [Step(3)] public static void B() { }", "found 2 where 1 was expected")]
    [InlineData("[Step(0)] public static void A() { } [Step(1)] public static void B() { }", "found 0 where 1 was expected")]
    [InlineData("[Step(-1)] public static void A() { }", "found -1 where 1 was expected")]
    [InlineData("[Step(1)] public static void A() { } [Step(2)] public static void B() { } [Step(5)] public static void C() { } [Step(7)] public static void D() { }", "found 5 where 3 was expected")]
    public async Task Step_numbers_with_a_gap_are_reported_once_at_the_class(string steps, string found)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            [Workflow("w")]
            public static class {|#0:W|}
            {
                {{steps}}
            }
            """, Error(Rule, 0, $"Workflow W: step numbers must run 1, 2, 3… without gaps; {found}"));
    }

    [Theory]
    [InlineData("[Step(1)] public static void A() { } [Step(1)] public static void B() { }")]
    [InlineData("[Step(1, Parallel = true)] public static void A() { } [Step(1)] public static void B() { }")]
    [InlineData("[Step(1, Parallel = true)] public static void A() { } [Step(1, Parallel = false)] public static void B() { } [Step(1, Parallel = true)] public static void C() { }")]
    public async Task Steps_sharing_a_number_without_Parallel_on_each_are_reported(string steps)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            [Workflow("w")]
            public static class {|#0:W|}
            {
                {{steps}}
            }
            """, Error(Rule, 0, "Workflow W: several steps have number 1; set Parallel = true on each to run them as a fan-out, or number them apart"));
    }

    [Fact]
    public async Task Each_shared_number_without_Parallel_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class {|#0:W|}
            {
                [Step(1)] public static void A() { }
                [Step(1)] public static void B() { }
                [Step(2)] public static void C() { }
                [Step(2)] public static void D() { }
            }
            """,
            Error(Rule, 0, "Workflow W: several steps have number 1; set Parallel = true on each to run them as a fan-out, or number them apart"),
            Error(Rule, 0, "Workflow W: several steps have number 2; set Parallel = true on each to run them as a fan-out, or number them apart"));
    }

    [Fact]
    public async Task A_workflow_without_steps_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class {|#0:W|}
            {
                public static void NotAStep() { }
            }
            """, Error(Rule, 0, "Workflow W has no [Step] methods"));
    }

    [Fact]
    public async Task Steps_taking_differing_payloads_are_reported_at_the_step_that_differs()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, NoCompensation = true)] public static void A(Payload p) { }
                [Step(2)] public static void {|#0:B|}(string s) { }
            }
            """, Error(Rule, 0, "Workflow step W.B takes string, but another step takes Payload: all steps of a workflow share one payload type"));
    }

    [Fact]
    public async Task A_compensation_taking_another_payload_is_reported_at_its_step()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = nameof(Undo))] public static void {|#0:A|}(Payload p) { }
                [Step(2)] public static void B(Payload p) { }
                public static void Undo(int id) { }
            }
            """, Error(Rule, 0, "Compensation W.Undo takes int, but the workflow's payload is Payload"));
    }

    [Theory]
    [InlineData("[Step(1)] public static void A() { }")]
    [InlineData("[Step(1, NoCompensation = true)] public static void A(Payload p) { } [Step(2)] public static void B(Payload? p, CommandContext context) { }")]
    [InlineData("[Step(1, NoCompensation = true)] public static void A(Payload p) { } [Step(2)] public static void B() { }")]
    [InlineData("""
        [Step(1, Parallel = true, NoCompensation = true)] public static void A() { }
        [Step(1, Parallel = true, NoCompensation = true)] public static void B() { }
        [Step(2)] public static void C() { }
        """)]
    [InlineData("[Step(2)] public static void B() { } [Step(1, NoCompensation = true)] public static void A() { }")]
    public async Task Valid_steps_are_not_reported(string steps)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            [Workflow("w")]
            public static class W
            {
                {{steps}}
            }
            """);
    }

    [Fact]
    public async Task A_step_with_an_unsupported_signature_does_not_also_break_the_numbering()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1)] public static int {|#0:A|}() => 0;
                [Step(2)] public static void B() { }
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX0002").WithLocation(0)
            .WithArguments("Workflow step W.A is not supported: it returns int; return Task, ValueTask, CommandResult, Task<CommandResult> or ValueTask<CommandResult>"));
    }
}
