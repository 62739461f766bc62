using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX2002: a payload typed as object, dynamic, an interface or an abstract class.</summary>
public sealed class DURX2002Tests
{
    private const string Rule = "DURX2002";

    private static string Message(string type) =>
        $"Payload type {type} says nothing about the data's shape: the payload is stored as JSON and read back by its declared type, so use a concrete record or class (or list it in the JsonSerializerContext named by [assembly: DurexJsonContext] if it really must be polymorphic)";

    private const string Types = """
        public interface IShape { int Id { get; } }
        public abstract class ShapeBase { public int Id { get; set; } }

        """;

    [Theory]
    [InlineData("object", "object")]
    [InlineData("object?", "object")]
    [InlineData("dynamic", "dynamic")]
    [InlineData("IShape", "IShape")]
    [InlineData("ShapeBase", "ShapeBase")]
    [InlineData("IComparable", "System.IComparable")]
    public async Task An_untyped_command_payload_is_reported_at_the_method(string parameter, string shown)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + Types + $$"""
            public static class C
            {
                [DurexCommand("c")] public static void {|#0:M|}({{parameter}} payload) { }
            }
            """, Error(Rule, 0, Message(shown)));
    }

    [Fact]
    public async Task An_untyped_workflow_payload_is_reported_at_the_class()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + Types + """
            [Workflow("w")]
            public static class {|#0:W|}
            {
                [Step(1)] public static void A(IShape shape) { }
            }
            """, Error(Rule, 0, Message("IShape")));
    }

    [Fact]
    public async Task An_untyped_type_listed_in_the_named_JsonSerializerContext_is_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude.Replace("public sealed record Payload", "[assembly: DurexJsonContext(typeof(AppJson))]\npublic sealed record Payload") + Types + """
            [JsonSerializable(typeof(ShapeBase))]
            public sealed class AppJson() : JsonSerializerContext(null)
            {
                public static AppJson Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(Type type) => null;
            }

            public static class C
            {
                [DurexCommand("c")] public static void M(ShapeBase shape) { }
            }
            """);
    }

    [Theory]
    [InlineData("Payload")]
    [InlineData("Payload?")]
    [InlineData("string")]
    [InlineData("int")]
    [InlineData("List<Payload>")]
    public async Task A_concrete_payload_is_not_reported(string parameter)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public static class C
            {
                [DurexCommand("c")] public static void M({{parameter}} payload) { }
            }
            """);
    }
}
