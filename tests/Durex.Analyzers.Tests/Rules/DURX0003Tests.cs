using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0003: an OnRecover/OnExpired hook or a workflow compensation that is missing or cannot be called.</summary>
public sealed class DURX0003Tests
{
    private const string Rule = "DURX0003";

    [Theory]
    [InlineData("OnRecover")]
    [InlineData("OnExpired")]
    public async Task A_hook_naming_a_missing_method_is_reported_at_the_handler(string hook)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("c", {{hook}} = "Nope")]
                public static void {|#0:M|}() { }
            }
            """, Error(Rule, 0, $"{hook} names 'Nope', but C has no method of that name"));
    }

    [Fact]
    public async Task A_hook_naming_an_overloaded_method_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", OnRecover = nameof(R))]
                public static void {|#0:M|}(Payload p) { }
                public static void R() { }
                public static void R(Payload p) { }
            }
            """, Error(Rule, 0, "OnRecover names 'R', but C has several methods of that name"));
    }

    [Fact]
    public async Task A_hook_with_an_unsupported_signature_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", OnRecover = nameof(R))]
                public static void {|#0:M|}() { }
                public static int R() => 0;
            }
            """, Error(Rule, 0, "OnRecover method C.R is not supported: it returns int; return Task, ValueTask, CommandResult, Task<CommandResult> or ValueTask<CommandResult>"));
    }

    [Fact]
    public async Task An_OnExpired_hook_taking_an_exception_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", OnExpired = nameof(E))]
                public static void {|#0:M|}() { }
                public static void E(Exception error) { }
            }
            """, Error(Rule, 0, "OnExpired method C.E is not supported: parameter 'error' is an Exception, which only OnRecover hooks receive"));
    }

    [Fact]
    public async Task A_hook_taking_another_payload_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", OnRecover = nameof(R))]
                public static void {|#0:M|}(Payload p) { }
                public static void R(string other, Exception error) { }
            }
            """, Error(Rule, 0, "OnRecover method C.R takes string, but the command's payload is Payload"));
    }

    [Fact]
    public async Task A_hook_taking_a_payload_when_the_command_has_none_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", OnExpired = nameof(E))]
                public static void {|#0:M|}() { }
                public static void E(Payload p) { }
            }
            """, Error(Rule, 0, "OnExpired method C.E takes Payload, but the command's payload is none"));
    }

    [Fact]
    public async Task An_instance_hook_of_a_static_handler_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public sealed class C
            {
                [DurexCommand("c", OnExpired = nameof(E))]
                public static void {|#0:M|}() { }
                public void E() { }
            }
            """, Error(Rule, 0, "OnExpired method C.E is an instance method of a static handler; make it static"));
    }

    [Fact]
    public async Task Supported_hooks_are_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public sealed class C
            {
                [DurexCommand("c", OnRecover = nameof(RecoverAsync), OnExpired = nameof(Expired))]
                public Task M(Payload p) => Task.CompletedTask;
                public Task RecoverAsync(Exception error, Payload p, CommandContext context, CancellationToken cancellationToken) => Task.CompletedTask;
                public static CommandResult Expired(CommandContext context) => CommandResult.Empty;
            }
            """);
    }

    [Fact]
    public async Task A_compensation_naming_a_missing_method_is_reported_at_the_step()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = "Undo")] public static void {|#0:A|}() { }
            }
            """, Error(Rule, 0, "Workflow step W.A names compensation 'Undo', but W has no method of that name"));
    }

    [Fact]
    public async Task A_compensation_naming_an_overloaded_method_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = nameof(Undo))] public static void {|#0:A|}(Payload p) { }
                public static void Undo() { }
                public static void Undo(Payload p) { }
            }
            """, Error(Rule, 0, "Workflow step W.A names compensation 'Undo', but W has several methods of that name"));
    }

    [Fact]
    public async Task A_compensation_with_an_unsupported_signature_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = nameof(Undo))] public static void {|#0:A|}() { }
                public static void Undo(ref int count) { }
            }
            """, Error(Rule, 0, "Compensation W.Undo is not supported: parameter 'count' is passed by reference (ref)"));
    }

    [Fact]
    public async Task A_valid_compensation_is_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public static class W
            {
                [Step(1, Compensate = nameof(UndoAsync))] public static void A(Payload p) { }
                [Step(2)] public static void B(Payload p) { }
                public static Task UndoAsync(Payload p, CommandContext context) => Task.CompletedTask;
            }
            """);
    }
}
