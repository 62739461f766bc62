using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0007: [assembly: DurexGeneratedCode] settings that would not compile; reported at the attribute.</summary>
public sealed class DURX0007Tests
{
    private const string Rule = "DURX0007";

    [Theory]
    [InlineData("JobsClassName = \"class\"", "JobsClassName 'class' is not a C# identifier")]
    [InlineData("JobsClassName = \"My Jobs\"", "JobsClassName 'My Jobs' is not a C# identifier")]
    [InlineData("WorkflowsClassName = \"1Flows\"", "WorkflowsClassName '1Flows' is not a C# identifier")]
    [InlineData("Namespace = \"My Ns\"", "Namespace 'My Ns' is not a C# namespace name")]
    [InlineData("Namespace = \"My..Ns\"", "Namespace 'My..Ns' is not a C# namespace name")]
    [InlineData("Namespace = \"My.namespace\"", "Namespace 'My.namespace' is not a C# namespace name")]
    [InlineData("JobsClassName = \"Same\", WorkflowsClassName = \"Same\"", "JobsClassName and WorkflowsClassName are both 'Same'; give them different names")]
    [InlineData("JobsClassName = \"DurexJsonMetadata\"", "DurexJsonMetadata and DurexGeneratedRegistration are taken by the generated code; choose other class names")]
    [InlineData("WorkflowsClassName = \"DurexGeneratedRegistration\"", "DurexJsonMetadata and DurexGeneratedRegistration are taken by the generated code; choose other class names")]
    [InlineData("WorkflowsClassName = \"Jobs\"", "JobsClassName and WorkflowsClassName are both 'Jobs'; give them different names")]
    public async Task Invalid_settings_are_reported_at_the_attribute(string settings, string error)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync($$"""
            using Durex;

            [assembly: {|#0:DurexGeneratedCode({{settings}})|}]

            public static class C
            {
                [DurexCommand("x")] public static void M() { }
            }
            """, Error(Rule, 0, $"[assembly: DurexGeneratedCode]: {error}; the defaults are used meanwhile"));
    }

    [Theory]
    [InlineData("Namespace = \"My.App\"")]
    [InlineData("Namespace = \"\"")]
    [InlineData("JobsClassName = \"MyJobs\", WorkflowsClassName = \"MyWorkflows\", Public = true")]
    [InlineData("")]
    public async Task Valid_settings_are_not_reported(string settings)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync($$"""
            using Durex;

            [assembly: DurexGeneratedCode({{settings}})]

            public static class C
            {
                [DurexCommand("x")] public static void M() { }
            }
            """);
    }
}
