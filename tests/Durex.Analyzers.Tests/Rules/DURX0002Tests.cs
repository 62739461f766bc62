using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0002: a command handler or workflow step whose signature the generated code cannot call.</summary>
public sealed class DURX0002Tests
{
    private const string Rule = "DURX0002";
    private const string Returns = "return Task, ValueTask, CommandResult, Task<CommandResult> or ValueTask<CommandResult>";

    [Theory]
    [InlineData("public static int {|#0:M|}() => 1;", "it returns int; " + Returns)]
    [InlineData("public static Task<int> {|#0:M|}() => Task.FromResult(1);", "it returns System.Threading.Tasks.Task<int>; " + Returns)]
    [InlineData("public static async void {|#0:M|}() { await Task.Yield(); }", "async void methods cannot be awaited; return Task")]
    [InlineData("public static void {|#0:M|}<T>(T value) { }", "generic methods are not supported")]
    [InlineData("public static void {|#0:M|}(ref Payload p) { }", "parameter 'p' is passed by reference (ref)")]
    [InlineData("public static void {|#0:M|}(out Payload p) { p = null!; }", "parameter 'p' is passed by reference (out)")]
    [InlineData("public static void {|#0:M|}(in Payload p) { }", "parameter 'p' is passed by reference (in)")]
    [InlineData("public static void {|#0:M|}(Payload a, Payload b) { }", "it takes two payload parameters; a handler takes at most one payload, plus CommandContext and CancellationToken")]
    [InlineData("public static void {|#0:M|}(CancellationToken a, CancellationToken b) { }", "it takes two CancellationToken parameters")]
    [InlineData("public static void {|#0:M|}(CommandContext a, CommandContext b) { }", "it takes two CommandContext parameters")]
    [InlineData("public static void {|#0:M|}(Exception error) { }", "parameter 'error' is an Exception, which only OnRecover hooks receive")]
    [InlineData("private static void {|#0:M|}() { }", "the method must be public or internal, so the generated code can call it")]
    public async Task An_unsupported_command_signature_is_reported_at_the_method(string method, string error)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("c")]
                {{method}}
            }
            """, Error(Rule, 0, $"C.M cannot handle command 'c': {error}"));
    }

    [Fact]
    public async Task A_protected_handler_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public class C
            {
                [DurexCommand("c")]
                protected static void {|#0:M|}() { }
            }
            """, Error(Rule, 0, "C.M cannot handle command 'c': the method must be public or internal, so the generated code can call it"));
    }

    [Theory]
    [InlineData("public static void M() { }")]
    [InlineData("internal static void M(Payload p) { }")]
    [InlineData("public static Task M(Payload p, CommandContext context, CancellationToken cancellationToken) => Task.CompletedTask;")]
    [InlineData("public static ValueTask M(CancellationToken cancellationToken, Payload p) => default;")]
    [InlineData("public static CommandResult M(CommandContext context) => CommandResult.Empty;")]
    [InlineData("public static Task<CommandResult> M(Payload p) => Task.FromResult(CommandResult.Empty);")]
    [InlineData("public static ValueTask<CommandResult> M(CommandContext context, Payload p) => new(CommandResult.Empty);")]
    [InlineData("public static async Task M() { await Task.Yield(); }")]
    public async Task A_supported_command_signature_is_not_reported(string method)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("c")]
                {{method}}
            }
            """);
    }

    [Theory]
    [InlineData("public static int {|#0:B|}() => 1;", "it returns int; " + Returns)]
    [InlineData("public static void {|#0:B|}(Exception error) { }", "parameter 'error' is an Exception, which only OnRecover hooks receive")]
    [InlineData("private static void {|#0:B|}() { }", "the method must be public or internal, so the generated code can call it")]
    [InlineData("public static void {|#0:B|}<T>() { }", "generic methods are not supported")]
    public async Task An_unsupported_workflow_step_is_reported_at_the_step(string step, string error)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            [Workflow("w")]
            public static class W
            {
                [Step(1)] public static void A() { }
                [Step(2)]
                {{step}}
            }
            """, Error(Rule, 0, $"Workflow step W.B is not supported: {error}"));
    }

    [Fact]
    public async Task Supported_workflow_steps_are_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public sealed class W
            {
                [Step(1)] public Task A(Payload p, CommandContext context) => Task.CompletedTask;
                [Step(2)] public static ValueTask<CommandResult> B(CancellationToken cancellationToken) => new(CommandResult.Empty);
            }
            """);
    }
}
