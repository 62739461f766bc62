using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>
/// DURX2001: a payload type (or a [DurexJsonType]) the generated JSON metadata cannot describe, naming the member; silent
/// when the JsonSerializerContext named by [assembly: DurexJsonContext] lists the type.
/// </summary>
public sealed class DURX2001Tests
{
    private const string Rule = "DURX2001";

    private const string Anything = "Bag.Anything: type object is not supported by the generated JSON metadata (object is polymorphic: its runtime type needs reflection)";

    private static string Message(string type, string reason) =>
        $"The generated JSON metadata cannot serialize payload type {type}: {reason}. Add [JsonSerializable(typeof({type}))] to a JsonSerializerContext and name it with [assembly: DurexJsonContext(typeof(YourContext))]";

    [Theory]
    [InlineData("public object? Anything { get; set; }", "Bag.Anything: type object is not supported by the generated JSON metadata (object is polymorphic: its runtime type needs reflection)")]
    [InlineData("public IComparable? Key { get; set; }", "Bag.Key: type IComparable is not supported by the generated JSON metadata (interfaces other than IList<T>, ICollection<T>, IEnumerable<T>, IReadOnlyList<T>, IReadOnlyCollection<T>, ISet<T>, IDictionary<K,V> and IReadOnlyDictionary<K,V> need a concrete type)")]
    [InlineData("public Dictionary<Payload, int>? ByPayload { get; set; }", "Bag.ByPayload: type Dictionary<Payload, int> is not supported by the generated JSON metadata (dictionary keys must be string, an integer type, Guid or an enum)")]
    [InlineData("[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter))] public DayOfWeek Day { get; set; }", "Bag.Day: [JsonConverter] is not supported by the generated JSON metadata")]
    [InlineData("public (int, string) Pair { get; set; }", "Bag.Pair: type (int, string) is not supported by the generated JSON metadata (tuples are not supported)")]
    [InlineData("public System.Collections.ArrayList? Untyped { get; set; }", "Bag.Untyped: type ArrayList is not supported by the generated JSON metadata (framework types outside the supported primitives and collections are not supported)")]
    public async Task A_payload_member_outside_the_supported_subset_is_reported_at_the_method(string member, string reason)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public sealed class Bag { {{member}} }
            public static class C
            {
                [DurexCommand("c")] public static void {|#0:M|}(Bag bag) { }
            }
            """, Error(Rule, 0, Message("Bag", reason)));
    }

    [Fact]
    public async Task A_workflow_payload_outside_the_subset_is_reported_at_the_class()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public sealed class Bag { public object? Anything { get; set; } }
            [Workflow("w")]
            public static class {|#0:W|}
            {
                [Step(1)] public static void A(Bag bag) { }
            }
            """, Error(Rule, 0, Message("Bag", Anything)));
    }

    [Fact]
    public async Task A_DurexJsonType_outside_the_subset_is_reported_at_the_attribute()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude.Replace("public sealed record Payload", "[assembly: {|#0:DurexJsonType(typeof(Bag))|}]\npublic sealed record Payload") + """
            public sealed class Bag { public object? Anything { get; set; } }
            """, Error(Rule, 0, Message("Bag", Anything)));
    }

    [Fact]
    public async Task A_type_listed_in_the_named_JsonSerializerContext_is_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude.Replace("public sealed record Payload", "[assembly: DurexJsonContext(typeof(AppJson))]\npublic sealed record Payload") + """
            public sealed class Bag { public object? Anything { get; set; } }

            [JsonSerializable(typeof(Bag))]
            public sealed class AppJson() : JsonSerializerContext(null)
            {
                public static AppJson Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(Type type) => null;
            }

            public static class C
            {
                [DurexCommand("c")] public static void M(Bag bag) { }
            }
            """);
    }

    [Theory]
    [InlineData("public sealed record Bag(int Id, string Name, List<string> Tags, Dictionary<string, int> Counts, DayOfWeek Day, DateTimeOffset At, Guid Key, decimal? Amount);")]
    [InlineData("public sealed class Bag { public int[] Numbers { get; set; } = []; public Payload? Inner { get; set; } public TimeSpan Wait { get; set; } }")]
    public async Task A_payload_inside_the_supported_subset_is_not_reported(string type)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + type + """

            public static class C
            {
                [DurexCommand("c")] public static void M(Bag bag) { }
            }
            """);
    }
}
