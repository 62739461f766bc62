using Durex.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Durex.Analyzers.Tests.CodeFixes;

public sealed class CompensationCodeFixTests
{
    private static DiagnosticResult Missing(int location, string step, int order, string later, int laterOrder) =>
        new DiagnosticResult("DURX1004", DiagnosticSeverity.Warning).WithLocation(location).WithMessageFormat("{0}")
            .WithArguments($"Step {step} ({order}) of workflow OrderWorkflow has no compensation, but step {later} ({laterOrder}) after it can fail: add Compensate = nameof(...) to undo it, or NoCompensation = true if it changes nothing that needs undoing.");

    [Fact]
    public async Task A_compensation_stub_is_added_next_to_the_step_and_named_by_the_attribute()
    {
        await Verify<WorkflowAnalyzer>.CodeFixAsync<CompensationCodeFixProvider>("""
            using System.Threading;
            using System.Threading.Tasks;
            using Durex;

            public sealed record Order(int Id);

            [Workflow("order")]
            public sealed class OrderWorkflow
            {
                [{|#0:Step(1, Retries = 2)|}]
                public Task ChargeAsync(Order order, CommandContext context, CancellationToken cancellationToken) => Task.CompletedTask;

                [Step(2)]
                public void Ship(Order order) { }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            using Durex;

            public sealed record Order(int Id);

            [Workflow("order")]
            public sealed class OrderWorkflow
            {
                [Step(1, Retries = 2, Compensate = nameof(UndoChargeAsync))]
                public Task ChargeAsync(Order order, CommandContext context, CancellationToken cancellationToken) => Task.CompletedTask;

                public Task UndoChargeAsync(Order order, CommandContext context, CancellationToken cancellationToken) => throw new System.NotImplementedException("Undo what ChargeAsync did: this runs when a later step fails for good.");

                [Step(2)]
                public void Ship(Order order) { }
            }
            """, Missing(0, "ChargeAsync", 1, "Ship", 2));
    }

    [Fact]
    public async Task A_step_can_be_marked_as_needing_no_compensation()
    {
        await FixTest<WorkflowAnalyzer, CompensationCodeFixProvider>.RunAsync(CompensationCodeFixProvider.NoCompensationKey, """
            using Durex;

            [Workflow("order")]
            public sealed class OrderWorkflow
            {
                [{|#0:Step(1)|}] public static void Log() { }
                [Step(2)] public static void Ship() { }
            }
            """, """
            using Durex;

            [Workflow("order")]
            public sealed class OrderWorkflow
            {
                [Step(1, NoCompensation = true)] public static void Log() { }
                [Step(2)] public static void Ship() { }
            }
            """, Missing(0, "Log", 1, "Ship", 2));
    }

    [Fact]
    public async Task Every_step_without_compensation_gets_its_own_stub_and_taken_names_are_skipped()
    {
        await Verify<WorkflowAnalyzer>.CodeFixAsync<CompensationCodeFixProvider>("""
            using Durex;

            public sealed record Order(int Id);

            [Workflow("order")]
            public sealed class OrderWorkflow
            {
                [{|#0:Step(1)|}]
                public void Reserve(Order order) { }

                [{|#1:Step(2)|}]
                public CommandResult Charge(Order order, CommandContext context) => CommandResult.Empty;

                [Step(3)]
                public void Ship(Order order) { }

                public void UndoCharge() { }
            }
            """, """
            using Durex;

            public sealed record Order(int Id);

            [Workflow("order")]
            public sealed class OrderWorkflow
            {
                [Step(1, Compensate = nameof(UndoReserve))]
                public void Reserve(Order order) { }

                public void UndoReserve(Order order) => throw new System.NotImplementedException("Undo what Reserve did: this runs when a later step fails for good.");

                [Step(2, Compensate = nameof(UndoCharge2))]
                public CommandResult Charge(Order order, CommandContext context) => CommandResult.Empty;

                public CommandResult UndoCharge2(Order order, CommandContext context) => throw new System.NotImplementedException("Undo what Charge did: this runs when a later step fails for good.");

                [Step(3)]
                public void Ship(Order order) { }

                public void UndoCharge() { }
            }
            """, Missing(0, "Reserve", 1, "Charge", 2), Missing(1, "Charge", 2, "Ship", 3));
    }
}
