using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0006: an attribute value out of range (negative retries, non-positive or infinite seconds).</summary>
public sealed class DURX0006Tests
{
    private const string Rule = "DURX0006";

    [Theory]
    [InlineData("Retries = -1", "Retries of command 'c' is -1; it must be 0 or more")]
    [InlineData("TimeoutSeconds = 0", "TimeoutSeconds of command 'c' is 0; it must be more than 0")]
    [InlineData("TimeoutSeconds = -0.5", "TimeoutSeconds of command 'c' is -0.5; it must be more than 0")]
    [InlineData("DeadlineSeconds = -5", "DeadlineSeconds of command 'c' is -5; it must be more than 0")]
    [InlineData("PeriodSeconds = double.NaN", "PeriodSeconds of command 'c' is NaN; it must be more than 0")]
    [InlineData("PeriodSeconds = double.PositiveInfinity", "PeriodSeconds of command 'c' is Infinity; it must be more than 0")]
    [InlineData("TimeoutSeconds = 1e300", "TimeoutSeconds of command 'c' is 1E+300; it must be more than 0")]
    public async Task An_out_of_range_command_attribute_value_is_reported_at_the_method(string property, string message)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("c", {{property}})]
                public static void {|#0:M|}() { }
            }
            """, Error(Rule, 0, message));
    }

    [Fact]
    public async Task Each_out_of_range_value_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", Retries = -2, TimeoutSeconds = 0, DeadlineSeconds = 0, PeriodSeconds = 0)]
                public static void {|#0:M|}() { }
            }
            """,
            Error(Rule, 0, "Retries of command 'c' is -2; it must be 0 or more"),
            Error(Rule, 0, "TimeoutSeconds of command 'c' is 0; it must be more than 0"),
            Error(Rule, 0, "DeadlineSeconds of command 'c' is 0; it must be more than 0"),
            Error(Rule, 0, "PeriodSeconds of command 'c' is 0; it must be more than 0"));
    }

    [Theory]
    [InlineData("Retries = -1", "Retries of step W.A is -1; it must be 0 or more")]
    [InlineData("TimeoutSeconds = 0", "TimeoutSeconds of step W.A is 0; it must be more than 0")]
    public async Task An_out_of_range_step_attribute_value_is_reported_at_the_step(string property, string message)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            [Workflow("w")]
            public static class W
            {
                [Step(1, {{property}})] public static void {|#0:A|}() { }
            }
            """, Error(Rule, 0, message));
    }

    [Theory]
    [InlineData("Retries = 0")]
    [InlineData("Retries = 10, TimeoutSeconds = 0.5, DeadlineSeconds = 3600, PeriodSeconds = 60")]
    [InlineData("Priority = -5")]
    public async Task In_range_command_values_are_not_reported(string properties)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("c", {{properties}})]
                public static void M() { }
            }
            """);
    }

    [Fact]
    public async Task In_range_step_values_are_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Retries = 0, TimeoutSeconds = 0.25)] public static void A() { }
            }
            """);
    }
}
