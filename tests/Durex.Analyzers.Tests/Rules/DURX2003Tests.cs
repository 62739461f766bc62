using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>
/// DURX2003: a payload type private or protected inside its class, so the generated stubs and metadata cannot name it.
/// C# accessibility rules only let such a type be a handler's parameter when the handler's class is itself hidden, so
/// DURX0005 always comes with it.
/// </summary>
public sealed class DURX2003Tests
{
    private const string Rule = "DURX2003";

    private static string Message(string type) =>
        $"Payload type {type} is private or protected: the generated stubs and metadata live outside its class, so make it (and the classes containing it) public or internal";

    private const string Unreachable = "the generated code must be able to call the handlers, so make it a public or internal, non-generic type";

    [Theory]
    [InlineData("private", "private")]
    [InlineData("protected", "protected")]
    [InlineData("private protected", "private protected")]
    public async Task A_hidden_payload_type_is_reported_at_the_method(string accessibility, string shown)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public class Host
            {
                {{accessibility}} sealed record Secret(int Id);

                {{accessibility}} static class Handlers
                {
                    [DurexCommand("c")] public static void {|#0:M|}(Secret secret) { }
                }
            }
            """,
            Verify<DeclarationAnalyzer>.Diagnostic("DURX0005").WithLocation(0).WithArguments($"Handlers is {shown}: {Unreachable}"),
            Error(Rule, 0, Message("Host.Secret")));
    }

    [Fact]
    public async Task A_list_of_a_hidden_type_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public class Host
            {
                private sealed record Secret(int Id);

                private static class Handlers
                {
                    [DurexCommand("c")] public static void {|#0:M|}(List<Secret> secrets) { }
                }
            }
            """,
            Verify<DeclarationAnalyzer>.Diagnostic("DURX0005").WithLocation(0).WithArguments($"Handlers is private: {Unreachable}"),
            Error(Rule, 0, Message("System.Collections.Generic.List<Host.Secret>")));
    }

    [Fact]
    public async Task A_hidden_workflow_payload_is_reported_at_the_class()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public class Host
            {
                private sealed record Secret(int Id);

                [Workflow("w")]
                private static class {|#0:W|}
                {
                    [Step(1)] public static void A(Secret secret) { }
                }
            }
            """,
            Verify<DeclarationAnalyzer>.Diagnostic("DURX0005").WithLocation(0).WithArguments($"W is private: {Unreachable}"),
            Error(Rule, 0, Message("Host.Secret")));
    }

    [Theory]
    [InlineData("internal", "internal")]
    [InlineData("protected internal", "protected internal")]
    [InlineData("public", "public")]
    public async Task A_payload_type_visible_to_the_assembly_is_not_reported(string typeAccessibility, string handlerAccessibility)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public class Host
            {
                {{typeAccessibility}} sealed record Secret(int Id);

                {{handlerAccessibility}} static class Handlers
                {
                    [DurexCommand("c")] public static void M(Secret secret) { }
                }
            }
            """);
    }

    [Fact]
    public async Task A_top_level_internal_payload_is_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            internal sealed record Secret(int Id);
            public static class C { [DurexCommand("secret")] internal static void M(Secret s) { } }
            """);
    }
}
