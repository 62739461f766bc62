using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0001: invalid command or workflow name (and a workflow step whose derived command name is invalid).</summary>
public sealed class DURX0001Tests
{
    private const string Rule = "DURX0001";
    private const string Allowed = "use 1–200 characters of ASCII letters, digits and _ - . : /";

    [Theory]
    [InlineData("")]
    [InlineData("send email")]
    [InlineData("naïve")]
    [InlineData("emoji😀")]
    [InlineData("a,b")]
    public async Task An_invalid_command_name_is_reported_at_the_method(string name)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("{{name}}")]
                public static void {|#0:M|}() { }
            }
            """, Error(Rule, 0, $"Command name '{name}' on C.M is invalid: {Allowed}"));
    }

    [Fact]
    public async Task A_command_name_longer_than_200_characters_is_reported()
    {
        var name = new string('a', 201);
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("{{name}}")]
                public static void {|#0:M|}() { }
            }
            """, Error(Rule, 0, $"Command name '{name}' on C.M is invalid: {Allowed}"));
    }

    [Theory]
    [InlineData("sendEmail")]
    [InlineData("orders/v1:ship.now_2-b")]
    [InlineData("x")]
    public async Task A_valid_command_name_is_not_reported(string name)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("{{name}}")]
                public static void M() { }
            }
            """);
    }

    [Fact]
    public async Task A_200_character_command_name_is_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("{{new string('a', 200)}}")]
                public static void M() { }
            }
            """);
    }

    [Fact]
    public async Task An_invalid_workflow_name_is_reported_at_the_class_and_at_each_step_it_makes_invalid()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("process order")]
            public static class {|#0:W|}
            {
                [Step(1)] public static void {|#1:Charge|}() { }
            }
            """,
            Error(Rule, 0, $"Workflow name 'process order' on W is invalid: {Allowed}"),
            Error(Rule, 1, $"W.Charge would run as command 'process order.charge', which is not a valid command name: {Allowed} in the workflow and method names"));
    }

    [Fact]
    public async Task A_step_whose_derived_command_name_is_invalid_is_reported_at_the_step()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1)] public static void {|#0:Größe|}() { }
            }
            """, Error(Rule, 0, $"W.Größe would run as command 'w.größe', which is not a valid command name: {Allowed} in the workflow and method names"));
    }

    [Fact]
    public async Task A_compensation_whose_derived_command_name_is_invalid_is_reported_at_the_step()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = nameof(Rückgängig))] public static void {|#0:Charge|}() { }
                public static void Rückgängig() { }
            }
            """, Error(Rule, 0, $"W.Rückgängig would run as command 'w.rückgängig', which is not a valid command name: {Allowed} in the workflow and method names"));
    }

    [Fact]
    public async Task A_valid_workflow_is_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("orders/process-order")]
            public static class W
            {
                [Step(1, Compensate = nameof(RefundAsync))] public static Task ChargeAsync(Payload p) => Task.CompletedTask;
                [Step(2)] public static void Ship(Payload p) { }
                public static Task RefundAsync(Payload p) => Task.CompletedTask;
            }
            """);
    }
}
