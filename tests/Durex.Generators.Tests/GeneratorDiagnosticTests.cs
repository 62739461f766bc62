namespace Durex.Generators.Tests;

/// <summary>Declarations the generator cannot turn into code are reported with what to fix, and generate nothing.</summary>
public sealed class GeneratorDiagnosticTests
{
    private static GeneratorOutput Run(string body, string usings = "") => GeneratorHarness.Run($$"""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Durex;
        {{usings}}

        public sealed record Payload(int Id, string Name);

        {{body}}
        """);

    private static void AssertReported(GeneratorOutput output, string id, params string[] fragments)
    {
        var diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, diagnostic.GetMessage());
        }

        // The location is kept as values (file, span, lines), so the pipeline caches: it points at the declaration's file.
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.True(diagnostic.Location.GetLineSpan().StartLinePosition.Line > 0);
        Assert.Empty(output.CompilationErrors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("send email")]
    [InlineData("naïve")]
    public void An_invalid_command_name_is_reported(string name)
    {
        var output = Run($$"""public static class C { [DurexCommand("{{name}}")] public static void M() { } }""");
        AssertReported(output, "DURX0001", $"'{name}'");
        // Only the (empty) registration is generated, so the analyzer's message is the only error.
        Assert.DoesNotContain("public static class", output.Sources["Durex.Jobs.g.cs"]);
        Assert.Contains("AddGeneratedCommands", output.Sources["Durex.Registration.g.cs"]);
    }

    [Theory]
    [InlineData("public static int M() => 1;", "returns int")]
    [InlineData("public static async void M() { await Task.Yield(); }", "async void")]
    [InlineData("public static void M<T>(T value) { }", "generic")]
    [InlineData("public static void M(ref Payload p) { }", "by reference")]
    [InlineData("public static void M(Payload a, Payload b) { }", "two payload parameters")]
    [InlineData("public static void M(CancellationToken a, CancellationToken b) { }", "two CancellationToken parameters")]
    [InlineData("private static void M() { }", "public or internal")]
    public void An_unsupported_handler_signature_is_reported(string method, string fragment)
    {
        AssertReported(Run($$"""public static class C { [DurexCommand("c")] {{method}} }"""), "DURX0002", fragment);
    }

    [Fact]
    public void A_hook_naming_a_missing_method_is_reported()
    {
        AssertReported(Run("""public static class C { [DurexCommand("c", OnRecover = "Nope")] public static void M() { } }"""), "DURX0003", "'Nope'", "no method");
    }

    [Fact]
    public void A_hook_taking_another_payload_is_reported()
    {
        AssertReported(Run("""
            public static class C
            {
                [DurexCommand("c", OnRecover = nameof(R))] public static void M(Payload p) { }
                public static void R(string other, Exception error) { }
            }
            """), "DURX0003", "takes string");
    }

    [Fact]
    public void A_unique_key_naming_a_missing_member_is_reported()
    {
        AssertReported(Run("""public static class C { [DurexCommand("c", UniqueKey = "p-{Missing}")] public static void M(Payload p) { } }"""),
            "DURX0004", "'Missing'", "Payload");
    }

    [Fact]
    public void Out_of_range_attribute_values_are_reported()
    {
        var output = Run("""public static class C { [DurexCommand("c", Retries = -1)] public static void M() { } }""");
        AssertReported(output, "DURX0006", "Retries", "-1");
    }

    [Fact]
    public void An_abstract_handler_class_is_reported()
    {
        AssertReported(Run("""public abstract class C { [DurexCommand("c")] public void M() { } }"""), "DURX0005", "C");
    }

    [Fact]
    public void Workflow_steps_with_a_gap_are_reported()
    {
        AssertReported(Run("""
            [Workflow("w")]
            public static class W { [Step(1)] public static void A() { } [Step(3)] public static void B() { } }
            """), "DURX1001", "found 3 where 2 was expected");
    }

    [Fact]
    public void Workflow_steps_sharing_a_number_without_parallel_are_reported()
    {
        AssertReported(Run("""
            [Workflow("w")]
            public static class W { [Step(1)] public static void A() { } [Step(1)] public static void B() { } }
            """), "DURX1001", "Parallel = true");
    }

    [Fact]
    public void A_missing_compensation_method_is_reported()
    {
        AssertReported(Run("""
            [Workflow("w")]
            public static class W { [Step(1, Compensate = "Undo")] public static void A() { } }
            """), "DURX0003", "'Undo'");
    }

    [Fact]
    public void A_payload_the_metadata_cannot_express_is_reported_with_the_member()
    {
        var output = Run("""
            public sealed class Bag { public object? Anything { get; set; } }
            public static class C { [DurexCommand("c")] public static void M(Bag bag) { } }
            """);
        AssertReported(output, "DURX2001", "Bag", "Anything", "DurexJsonContext");
    }

    [Theory]
    [InlineData("public IComparable? Key { get; set; }", "Key")]
    [InlineData("public Dictionary<Payload, int>? ByPayload { get; set; }", "ByPayload")]
    [InlineData("[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter))] public DayOfWeek Day { get; set; }", "Day")]
    [InlineData("public (int, string) Pair { get; set; }", "Pair")]
    [InlineData("public System.Collections.ArrayList? Untyped { get; set; }", "Untyped")]
    public void Members_outside_the_supported_subset_are_named(string member, string name)
    {
        var output = Run("public sealed class Bag { " + member + " }\npublic static class C { [DurexCommand(\"c\")] public static void M(Bag bag) { } }");
        AssertReported(output, "DURX2001", $"Bag.{name}");
    }

    [Fact]
    public void A_broken_declaration_does_not_stop_the_others_from_generating()
    {
        var output = Run("""
            public static class C
            {
                [DurexCommand("good")] public static void Good() { }
                [DurexCommand("bad")] public static int Bad() => 0;
            }
            """);
        Assert.Equal("DURX0002", Assert.Single(output.GeneratorDiagnostics).Id);
        Assert.Contains("public static class Good", output.Sources["Durex.Jobs.g.cs"]);
        Assert.DoesNotContain("class Bad", output.Sources["Durex.Jobs.g.cs"]);
    }
}
