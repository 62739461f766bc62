using Microsoft.CodeAnalysis.Testing;

namespace Durex.Analyzers.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task An_invalid_command_name_is_reported_where_the_method_is()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync("""
            using Durex;

            public static class C
            {
                [DurexCommand("send email")]
                public static void {|#0:M|}() { }
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX0001").WithLocation(0)
            .WithArguments("Command name 'send email' on C.M is invalid: use 1–200 characters of ASCII letters, digits and _ - . : /"));
    }

    [Fact]
    public async Task A_workflow_cycle_through_generated_starts_is_reported()
    {
        await Verify<WorkflowAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Durex;

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
            """,
            new DiagnosticResult("DURX1003", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithMessageFormat("{0}")
                .WithArguments("Workflows start each other in a cycle (a → b → a): every run would start another without end. Break the cycle, or start the next run from outside the workflow."),
            new DiagnosticResult("DURX1003", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(1).WithMessageFormat("{0}")
                .WithArguments("Workflows start each other in a cycle (b → a → b): every run would start another without end. Break the cycle, or start the next run from outside the workflow."));
    }
}
