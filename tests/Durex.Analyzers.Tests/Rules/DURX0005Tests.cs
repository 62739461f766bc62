using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>DURX0005: a handler class the generated code cannot reach, or (for instance handlers) cannot create.</summary>
public sealed class DURX0005Tests
{
    private const string Rule = "DURX0005";
    private const string Reach = "the generated code must be able to call the handlers, so make it a public or internal, non-generic type";

    [Theory]
    [InlineData("""public static class Host { private static class Inner { [DurexCommand("x")] public static void {|#0:M|}() { } } }""", "Inner is private")]
    [InlineData("""public class Host { protected static class Inner { [DurexCommand("x")] public static void {|#0:M|}() { } } }""", "Inner is protected")]
    [InlineData("""internal static class Host { private protected sealed class Inner { [DurexCommand("x")] public static void {|#0:M|}() { } } }""", "Inner is private protected")]
    [InlineData("""public class Host { private class Inner { public class Deep { [DurexCommand("x")] public static void {|#0:M|}() { } } } }""", "Deep's containing type Inner is private")]
    [InlineData("""file static class Local { [DurexCommand("x")] public static void {|#0:M|}() { } }""", "Local is file-local")]
    [InlineData("""public static class Box<T> { [DurexCommand("x")] public static void {|#0:M|}() { } }""", "Box is generic")]
    [InlineData("""public static class Outer<T> { public static class Inner { [DurexCommand("x")] public static void {|#0:M|}() { } } }""", "Inner's containing type Outer is generic")]
    public async Task A_handler_class_the_generated_code_cannot_reach_is_reported_at_the_method(string body, string problem)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + body, Error(Rule, 0, $"{problem}: {Reach}"));
    }

    [Fact]
    public async Task An_abstract_class_with_an_instance_handler_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public abstract class C
            {
                [DurexCommand("c")] public void {|#0:M|}() { }
            }
            """, Error(Rule, 0, "C cannot be created per attempt: a class with instance handlers must not be abstract or static"));
    }

    [Fact]
    public async Task A_class_without_a_public_or_internal_constructor_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public sealed class C
            {
                private C() { }
                [DurexCommand("c")] public void {|#0:M|}() { }
            }
            """, Error(Rule, 0, "C has no public or internal constructor to create it with"));
    }

    [Theory]
    [InlineData("public required string Name { get; init; }")]
    [InlineData("public required int Count;")]
    public async Task A_class_with_required_members_its_constructor_does_not_set_is_reported(string member)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + $$"""
            public sealed class R
            {
                {{member}}
                [DurexCommand("x")] public void {|#0:M|}() { }
            }
            """, Error(Rule, 0, "R has required members, which its constructor does not set: the class is created with its constructor alone, so remove 'required' or add [SetsRequiredMembers] to the constructor"));
    }

    [Fact]
    public async Task A_required_member_inherited_from_a_base_class_is_reported()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public abstract class Base { public required string Name { get; init; } }
            public sealed class R : Base
            {
                [DurexCommand("x")] public void {|#0:M|}() { }
            }
            """, Error(Rule, 0, "R has required members, which its constructor does not set: the class is created with its constructor alone, so remove 'required' or add [SetsRequiredMembers] to the constructor"));
    }

    [Fact]
    public async Task A_workflow_class_that_cannot_be_reached_is_reported_at_the_class()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            public static class Host
            {
                [Workflow("w")]
                private static class {|#0:W|}
                {
                    [Step(1)] public static void A() { }
                }
            }
            """, Error(Rule, 0, $"W is private: {Reach}"));
    }

    [Fact]
    public async Task An_abstract_workflow_class_with_instance_steps_is_reported_at_the_class()
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + """
            [Workflow("w")]
            public abstract class {|#0:W|}
            {
                [Step(1)] public void A() { }
            }
            """, Error(Rule, 0, "W cannot be created per attempt: a class with instance handlers must not be abstract or static"));
    }

    [Theory]
    [InlineData("""public abstract class C { [DurexCommand("x")] public static void M() { } }""")]
    [InlineData("""internal sealed class C { [DurexCommand("x")] internal void M() { } }""")]
    [InlineData("""public class Host { protected internal class C { [DurexCommand("x")] public void M() { } } }""")]
    [InlineData("""public static class Outer { internal static class Inner { [DurexCommand("x")] public static void M() { } } }""")]
    [InlineData("""public sealed class C { private C(int x) { } public C() { } [DurexCommand("x")] public void M() { } }""")]
    [InlineData("""public interface IDep { } public sealed class C(IDep? dep = null) { [DurexCommand("x")] public void M() { } }""")]
    [InlineData("""
        public sealed class R
        {
            [System.Diagnostics.CodeAnalysis.SetsRequiredMembers] public R() { Name = ""; }
            public required string Name { get; init; }
            [DurexCommand("x")] public void M() { }
        }
        """)]
    [InlineData("""[Workflow("w")] public abstract class W { [Step(1)] public static void A() { } }""")]
    public async Task A_class_the_generated_code_can_reach_and_create_is_not_reported(string body)
    {
        await Verify<DeclarationAnalyzer>.AnalyzerAsync(Prelude + body);
    }
}
