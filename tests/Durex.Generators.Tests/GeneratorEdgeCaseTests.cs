namespace Durex.Generators.Tests;

/// <summary>Valid inputs whose generated code once failed to compile, and mistakes that once got through to run time.</summary>
public sealed class GeneratorEdgeCaseTests
{
    private static GeneratorOutput Run(string body) => GeneratorHarness.Run($$"""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Durex;

        namespace App;

        public sealed record Payload(int Id, string Name);

        {{body}}
        """);

    private static void AssertCompiles(GeneratorOutput output)
    {
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationErrors);
        Assert.NotEmpty(output.Sources);
    }

    private static void AssertReported(GeneratorOutput output, string id, params string[] fragments)
    {
        Assert.Empty(output.CompilationErrors);
        var diagnostic = Assert.Single(output.GeneratorDiagnostics.Where(d => d.Id == id));
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, diagnostic.GetMessage());
        }
    }

    [Theory]
    [InlineData("""public static class C { [DurexCommand("k")] public static void @class(Payload p) { } }""")]
    [InlineData("""public sealed record Keyed(int @event); public static class C { [DurexCommand("k", UniqueKey = "k-{event}")] public static void M(Keyed k) { } }""")]
    [InlineData("""public sealed record Cust(string Id); public sealed record O(Cust? Customer); public static class C { [DurexCommand("k", UniqueKey = "{Customer.Id}")] public static void M(O o) { } }""")]
    [InlineData("""public struct S { public int Id { get; set; } } public static class C { [DurexCommand("k", UniqueKey = "s-{Id}")] public static void M(S? s) { } }""")]
    [InlineData("""public static class C { [DurexCommand("spec")] public static void A() { } [DurexCommand("enqueueAsync")] public static void B() { } [DurexCommand("jobs")] public static void D() { } }""")]
    [InlineData("""public sealed class H { [DurexCommand("create")] public void Run() { } }""")]
    [InlineData("""[Workflow("startAsync")] public static class W { [Step(1)] public static void A() { } }""")]
    [InlineData("""public interface IDep { } public sealed class H(IDep? dep = null) { [DurexCommand("opt")] public void Run() { } }""")]
    [InlineData("""internal sealed record Secret(int Id); public static class C { [DurexCommand("secret")] internal static void M(Secret s) { } }""")]
    [InlineData("""public static class Outer { public static class Inner { [DurexCommand("nested")] public static void M() { } } }""")]
    public void Valid_declarations_generate_code_that_compiles(string body) => AssertCompiles(Run(body));

    [Fact]
    public void Public_stubs_keep_commands_with_internal_payloads_internal()
    {
        var output = GeneratorHarness.Run("""
            using Durex;
            [assembly: DurexGeneratedCode(Namespace = "Lib", Public = true)]
            internal sealed record Secret(int Id);
            public sealed record Open(int Id);
            public static class C
            {
                [DurexCommand("secret")] internal static void Hidden(Secret s) { }
                [DurexCommand("open")] public static void Shown(Open o) { }
            }
            """);
        AssertCompiles(output);
        Assert.Contains("internal static class Secret", output.Sources["Durex.Jobs.g.cs"]);
        Assert.Contains("public static class Open", output.Sources["Durex.Jobs.g.cs"]);
        Assert.Contains("internal sealed class DurexJsonMetadata", output.Sources["Durex.JsonMetadata.g.cs"]);
    }

    [Theory]
    [InlineData("""public static class Host { private static class Inner { [DurexCommand("x")] public static void M() { } } }""", "Inner is private")]
    [InlineData("""internal static class Host { private protected sealed class Inner { [DurexCommand("x")] public static void M() { } } }""", "Inner is private protected")]
    [InlineData("""public class Host { private class Inner { public class Deep { [DurexCommand("x")] public static void M() { } } } }""", "Deep's containing type Inner is private")]
    [InlineData("""file static class Local { [DurexCommand("x")] public static void M() { } }""", "Local is file-local")]
    [InlineData("""public static class Box<T> { [DurexCommand("x")] public static void M() { } }""", "is generic")]
    [InlineData("""public sealed class R { public required string Name { get; init; } [DurexCommand("x")] public void M() { } }""", "required members")]
    public void Handler_classes_the_generated_code_cannot_create_or_reach_are_reported(string body, params string[] fragments) =>
        AssertReported(Run(body), "DURX0005", fragments);

    [Fact]
    public void A_command_name_used_twice_is_reported_at_both_declarations_and_neither_generates()
    {
        var output = Run("""
            public static class A { [DurexCommand("same")] public static void One() { } }
            public static class B { [DurexCommand("same")] public static void Two() { } [DurexCommand("other")] public static void Three() { } }
            """);
        var duplicates = output.GeneratorDiagnostics.Where(d => d.Id == "DURX0008").ToArray();
        Assert.Equal(2, duplicates.Length);
        Assert.All(duplicates, d => Assert.Contains("'same' is used 2 times", d.GetMessage()));
        Assert.NotEqual(duplicates[0].Location.GetLineSpan().StartLinePosition, duplicates[1].Location.GetLineSpan().StartLinePosition);
        Assert.DoesNotContain("\"same\"", output.Sources["Durex.Jobs.g.cs"]);
        Assert.Contains("\"other\"", output.Sources["Durex.Jobs.g.cs"]);
        Assert.Empty(output.CompilationErrors);
    }

    [Fact]
    public void A_workflow_whose_steps_map_to_one_command_name_is_reported()
    {
        AssertReported(Run("""
            [Workflow("w")]
            public static class W { [Step(1)] public static void Charge() { } [Step(2)] public static Task ChargeAsync() => Task.CompletedTask; }
            """), "DURX0008", "'w.charge'");
    }

    [Fact]
    public void A_step_that_is_also_a_compensation_is_reported()
    {
        AssertReported(Run("""
            [Workflow("w")]
            public static class W { [Step(1, Compensate = nameof(B))] public static void A() { } [Step(2)] public static void B() { } }
            """), "DURX0008", "'w.b'");
    }

    [Fact]
    public void A_step_whose_command_name_would_be_invalid_is_reported()
    {
        AssertReported(Run("""
            [Workflow("w")]
            public static class W { [Step(1)] public static void Größe() { } }
            """), "DURX0001", "'w.größe'");
    }

    [Fact]
    public void A_step_taking_an_exception_is_reported_as_a_signature_problem()
    {
        AssertReported(Run("""
            [Workflow("w")]
            public static class W { [Step(1)] public static void A(Exception error) { } }
            """), "DURX0002", "only OnRecover hooks");
    }

    [Theory]
    [InlineData("JobsClassName = \"class\"", "not a C# identifier")]
    [InlineData("Namespace = \"My Ns\"", "not a C# namespace name")]
    [InlineData("JobsClassName = \"Same\", WorkflowsClassName = \"Same\"", "both 'Same'")]
    public void Invalid_generated_code_settings_are_reported_and_the_defaults_used(string settings, string fragment)
    {
        var output = GeneratorHarness.Run($$"""
            using Durex;
            [assembly: DurexGeneratedCode({{settings}})]
            public static class C { [DurexCommand("x")] public static void M() { } }
            """);
        AssertReported(output, "DURX0007", fragment);
        Assert.Contains("internal static partial class Jobs", output.Sources["Durex.Jobs.g.cs"]);
    }

    [Fact]
    public void A_payload_type_that_does_not_resolve_gets_only_the_compilers_error()
    {
        var output = Run("""public static class C { [DurexCommand("x")] public static void M(Missing m) { } }""");
        Assert.DoesNotContain(output.GeneratorDiagnostics, d => d.Id == "DURX2001");
    }
}
