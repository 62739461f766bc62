using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0004: a UniqueKey template naming a payload member that does not exist or cannot be read.</summary>
public sealed class DURX0004Tests
{
    private const string Rule = "DURX0004";

    private const string Types = """
        public sealed class Keyed
        {
            public int Id { get; set; }
            public string? Region;
            public Customer? Customer { get; set; }
            private int Secret { get; set; }
            public static int Shared { get; set; }
            public int WriteOnly { set { } }
            internal int Inside { get; set; }
        }
        public sealed record Customer(string Id);

        """;

    [Theory]
    [InlineData("k-{Missing}", "Missing")]
    [InlineData("k-{Secret}", "Secret")]
    [InlineData("k-{Shared}", "Shared")]
    [InlineData("k-{WriteOnly}", "WriteOnly")]
    [InlineData("k-{Inside}", "Inside")]
    [InlineData("k-{Customer.Missing}", "Customer.Missing")]
    [InlineData("k-{id}", "id")]
    public async Task A_template_naming_a_member_that_cannot_be_read_is_reported_at_the_method(string template, string path)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + Types + $$"""
            public static class C
            {
                [DurexCommand("c", UniqueKey = "{{template}}")]
                public static void {|#0:M|}(Keyed k) { }
            }
            """, Error(Rule, 0, $"Unique key template '{template}' of command 'c' names '{path}', which Keyed does not have as a readable public instance property or field"));
    }

    [Fact]
    public async Task A_template_on_a_command_without_payload_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", UniqueKey = "k-{Id}")]
                public static void {|#0:M|}(CommandContext context) { }
            }
            """, Error(Rule, 0, "Unique key template 'k-{Id}' of command 'c' names 'Id', but the command takes no payload"));
    }

    [Fact]
    public async Task A_template_with_an_unclosed_brace_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class C
            {
                [DurexCommand("c", UniqueKey = "k-{Id")]
                public static void {|#0:M|}(Payload p) { }
            }
            """, Error(Rule, 0, "Unique key template 'k-{Id' of command 'c' has a '{' without its '}'"));
    }

    [Fact]
    public async Task A_payload_type_in_a_namespace_is_named_in_full()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync("""
            using Durex;

            namespace App;

            public sealed record Order(int Id);

            public static class C
            {
                [DurexCommand("c", UniqueKey = "order-{Number}")]
                public static void {|#0:M|}(Order o) { }
            }
            """, Error(Rule, 0, "Unique key template 'order-{Number}' of command 'c' names 'Number', which App.Order does not have as a readable public instance property or field"));
    }

    [Theory]
    [InlineData("k-{Id}")]
    [InlineData("{Region}/{Id}")]
    [InlineData("k-{ Id }")]
    [InlineData("{Customer.Id}")]
    [InlineData("constant-key")]
    public async Task A_template_naming_readable_members_is_not_reported(string template)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + Types + $$"""
            public static class C
            {
                [DurexCommand("c", UniqueKey = "{{template}}")]
                public static void M(Keyed k) { }
            }
            """);
    }

    [Fact]
    public async Task A_template_through_a_nullable_struct_is_not_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public struct S { public int Id { get; set; } }
            public static class C
            {
                [DurexCommand("c", UniqueKey = "s-{Id}")]
                public static void M(S? s) { }
            }
            """);
    }
}
