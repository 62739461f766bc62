using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace Durex.Generators.Tests;

/// <summary>What the generator emits for each feature, against checked-in snapshots; the result compiles without errors.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public async Task Static_command_with_payload_and_options() => await CheckAsync(Sources.StaticCommand);

    [Fact]
    public async Task Instance_command_with_dependencies_hooks_cron_and_unique_key() => await CheckAsync(Sources.InstanceCommand);

    [Fact]
    public async Task Commands_without_payload() => await CheckAsync(Sources.CommandsWithoutPayload);

    [Fact]
    public async Task Workflow_with_compensation() => await CheckAsync(Sources.Workflow);

    [Fact]
    public async Task Workflow_with_parallel_steps() => await CheckAsync(Sources.ParallelWorkflow);

    [Fact]
    public async Task Namespace_class_names_and_visibility_from_the_assembly_attribute() => await CheckAsync(Sources.Settings);

    [Fact]
    public async Task Payload_served_by_the_users_json_context()
    {
        // The user's context is filled by System.Text.Json's generator, which this in-memory run does not include: the
        // generated code is checked, not compiled.
        var output = GeneratorHarness.Run(Sources.UserJsonContext);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Contains("global::Durex.Generation.GeneratedCode.FromContext<global::Audit.AuditEntry>(global::Audit.AuditJsonContext.Default)",
            output.Sources["Durex.Jobs.g.cs"]);
        Assert.DoesNotContain("Durex.JsonMetadata.g.cs", output.Sources.Keys);
        Snapshots.Verify(output);
    }

    [Fact]
    public void Output_is_deterministic()
    {
        var first = GeneratorHarness.Run(Sources.Workflow, Sources.StaticCommand, Sources.InstanceCommand);
        var second = GeneratorHarness.Run(Sources.InstanceCommand, Sources.Workflow, Sources.StaticCommand);
        Assert.Equal(first.Sources, second.Sources);
    }

    private static async Task CheckAsync(string source, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var output = GeneratorHarness.Run(source);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationErrors);
        Snapshots.Verify(output, test);

        // The same through the Roslyn testing library with its DefaultVerifier: sources and a clean compilation.
        var verification = new CSharpSourceGeneratorTest<DurexGenerator, DefaultVerifier>
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"), // none: the references below, nothing downloaded
            TestState = { Sources = { source } },
        };
        verification.TestState.AdditionalReferences.AddRange(GeneratorHarness.References);
        // Nullable annotations shape the JSON metadata: compile as the harness does.
        verification.SolutionTransforms.Add((solution, project) => solution.WithProjectCompilationOptions(project,
            ((CSharpCompilationOptions)solution.GetProject(project)!.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable)));
        foreach (var (hint, text) in output.InOrder)
        {
            verification.TestState.GeneratedSources.Add((typeof(DurexGenerator), hint, text));
        }

        await verification.RunAsync();
    }
}
