using Durex.CodeFixes;

namespace Durex.Analyzers.Tests.CodeFixes;

public sealed class RenumberStepsCodeFixTests
{
    [Fact]
    public async Task Steps_with_gaps_and_a_shared_number_are_numbered_again_keeping_parallel_groups()
    {
        await Verify<DeclarationAnalyzer>.CodeFixAsync<RenumberStepsCodeFixProvider>("""
            using Durex;

            [Workflow("order")]
            public static class {|#0:OrderWorkflow|}
            {
                [Step(1)] public static void Charge() { }
                [Step(3, Parallel = true)] public static void Email() { }
                [Step(3, Parallel = true)] public static void Invoice() { }
                [Step(order: 5)] public static void Pack() { }
                [Step(5)] public static void Ship() { }
            }
            """, """
            using Durex;

            [Workflow("order")]
            public static class OrderWorkflow
            {
                [Step(1)] public static void Charge() { }
                [Step(2, Parallel = true)] public static void Email() { }
                [Step(2, Parallel = true)] public static void Invoice() { }
                [Step(order: 3)] public static void Pack() { }
                [Step(4)] public static void Ship() { }
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX1001").WithLocation(0)
            .WithArguments("Workflow OrderWorkflow: step numbers must run 1, 2, 3… without gaps; found 3 where 2 was expected"));
    }

    [Fact]
    public async Task Renumbering_keeps_the_run_order_when_declarations_are_not_in_it()
    {
        await Verify<DeclarationAnalyzer>.CodeFixAsync<RenumberStepsCodeFixProvider>("""
            using Durex;

            [Workflow("order")]
            public static class {|#0:OrderWorkflow|}
            {
                [Step(20)] public static void Ship() { }
                [Step(10)] public static void Charge() { }
                [Step(10)] public static void Reserve() { }
            }
            """, """
            using Durex;

            [Workflow("order")]
            public static class OrderWorkflow
            {
                [Step(3)] public static void Ship() { }
                [Step(1)] public static void Charge() { }
                [Step(2)] public static void Reserve() { }
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX1001").WithLocation(0)
            .WithArguments("Workflow OrderWorkflow: step numbers must run 1, 2, 3… without gaps; found 10 where 1 was expected"));
    }

    [Fact]
    public async Task Nothing_is_offered_when_the_numbers_are_not_what_is_wrong()
    {
        const string source = """
            using Durex;

            [Workflow("order")]
            public static class OrderWorkflow
            {
                [Step(1)] public static void Charge(int order) { }
                [Step(2)] public static void {|#0:Ship|}(string order) { }
            }
            """;
        await Verify<DeclarationAnalyzer>.CodeFixAsync<RenumberStepsCodeFixProvider>(source, source, Verify<DeclarationAnalyzer>.Diagnostic("DURX1001").WithLocation(0)
            .WithArguments("Workflow step OrderWorkflow.Ship takes string, but another step takes int: all steps of a workflow share one payload type"));
    }
}
