using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0009: a Cron expression Cronos (as the runtime uses it) cannot parse; reported at the attribute.</summary>
public sealed class DURX0009Tests
{
    private const string Rule = "DURX0009";
    private const string Advice = " Use 5 fields (minute hour day month weekday), 6 with seconds first, or a macro such as @daily.";

    [Theory]
    [InlineData("61 * * * *", "The given cron expression has an invalid format. Minutes: Value must be a number between 0 and 59 (all inclusive).")]
    [InlineData("* * *", "it has 3 fields.")]
    [InlineData("not a cron", "it has 3 fields.")]
    [InlineData("0 0 0 0 0 0 0", "it has 7 fields.")]
    [InlineData("0 0 1 1 1 1 1", "it has 7 fields.")]
    [InlineData("0 0 0 1 *", "The given cron expression has an invalid format. Days of month: Value must be a number between 1 and 31 (all inclusive).")]
    [InlineData("60 * * * * *", "The given cron expression has an invalid format. Seconds: Value must be a number between 0 and 59 (all inclusive).")]
    [InlineData("@sometimes", "The given cron expression has an invalid format. Macro: Unexpected character 's' on position 1.")]
    [InlineData("", "it is empty.")]
    [InlineData("   ", "it is empty.")]
    public async Task An_invalid_cron_expression_is_reported_at_the_attribute(string expression, string problem)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [{|#0:DurexCommand("tick", Cron = "{{expression}}")|}]
                public static CommandResult M() => CommandResult.Repeat();
            }
            """, Error(Rule, 0, $"Cron expression '{expression}' of command 'tick' is invalid: {problem}{Advice}"));
    }

    [Theory]
    [InlineData("*/5 * * * *")]
    [InlineData("0 9 * * MON-FRI")]
    [InlineData("30 */5 * * * *")]
    [InlineData("@daily")]
    [InlineData("@hourly")]
    [InlineData("@every_second")]
    [InlineData(" 0 0 1 * * ")]
    public async Task A_valid_cron_expression_is_not_reported(string expression)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("tick", Cron = "{{expression}}", CronTimeZone = "Europe/Paris")]
                public static CommandResult M() => CommandResult.Repeat();
            }
            """);
    }

    [Fact]
    public async Task A_command_without_cron_is_not_checked()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("tick", PeriodSeconds = 60)]
                public static CommandResult M() => CommandResult.Repeat();
            }
            """);
    }
}
