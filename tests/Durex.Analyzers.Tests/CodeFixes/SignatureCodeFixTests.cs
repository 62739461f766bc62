using Durex.CodeFixes;

namespace Durex.Analyzers.Tests.CodeFixes;

public sealed class SignatureCodeFixTests
{
    [Fact]
    public async Task An_async_void_handler_returns_Task()
    {
        await Verify<DeclarationAnalyzer>.CodeFixAsync<SignatureCodeFixProvider>("""
            using System.Threading.Tasks;
            using Durex;

            public static class Reports
            {
                [DurexCommand("report")]
                public static async void {|#0:RunAsync|}(CommandContext context) => await Task.Yield();
            }
            """, """
            using System.Threading.Tasks;
            using Durex;

            public static class Reports
            {
                [DurexCommand("report")]
                public static async Task RunAsync(CommandContext context) => await Task.Yield();
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX0002").WithLocation(0)
            .WithArguments("Reports.RunAsync cannot handle command 'report': async void methods cannot be awaited; return Task"));
    }

    [Fact]
    public async Task An_async_void_handler_without_a_tasks_using_gets_a_qualified_Task()
    {
        await Verify<DeclarationAnalyzer>.CodeFixAsync<SignatureCodeFixProvider>("""
            using Durex;

            public static class Reports
            {
                [DurexCommand("report")]
                public static async void {|#0:RunAsync|}() => await System.Threading.Tasks.Task.Yield();
            }
            """, """
            using Durex;

            public static class Reports
            {
                [DurexCommand("report")]
                public static async System.Threading.Tasks.Task RunAsync() => await System.Threading.Tasks.Task.Yield();
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX0002").WithLocation(0)
            .WithArguments("Reports.RunAsync cannot handle command 'report': async void methods cannot be awaited; return Task"));
    }

    [Fact]
    public async Task A_ref_parameter_is_passed_by_value()
    {
        await Verify<DeclarationAnalyzer>.CodeFixAsync<SignatureCodeFixProvider>("""
            using System.Threading;
            using Durex;

            public static class Counters
            {
                [DurexCommand("count")]
                public static void {|#0:Count|}(CommandContext context, ref int count, CancellationToken cancellationToken) { count++; }
            }
            """, """
            using System.Threading;
            using Durex;

            public static class Counters
            {
                [DurexCommand("count")]
                public static void Count(CommandContext context, int count, CancellationToken cancellationToken) { count++; }
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX0002").WithLocation(0)
            .WithArguments("Counters.Count cannot handle command 'count': parameter 'count' is passed by reference (ref)"));
    }

    [Fact]
    public async Task An_in_parameter_of_a_workflow_step_is_passed_by_value()
    {
        await Verify<DeclarationAnalyzer>.CodeFixAsync<SignatureCodeFixProvider>("""
            using Durex;

            public readonly record struct Order(int Id);

            [Workflow("order")]
            public static class OrderWorkflow
            {
                [Step(1)] public static void Pack(Order order) { }
                [Step(2)] public static void {|#0:Ship|}(in Order order) { }
            }
            """, """
            using Durex;

            public readonly record struct Order(int Id);

            [Workflow("order")]
            public static class OrderWorkflow
            {
                [Step(1)] public static void Pack(Order order) { }
                [Step(2)] public static void Ship(Order order) { }
            }
            """, Verify<DeclarationAnalyzer>.Diagnostic("DURX0002").WithLocation(0)
            .WithArguments("Workflow step OrderWorkflow.Ship is not supported: parameter 'order' is passed by reference (in)"));
    }
}
