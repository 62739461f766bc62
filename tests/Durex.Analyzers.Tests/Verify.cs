using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Durex.Analyzers.Tests;

/// <summary>
/// The Roslyn testing library set up for Durex: .NET 10 reference assemblies from Basic.Reference.Assemblies plus the
/// Durex runtime (nothing downloaded), nullable enabled, and the Durex generator running so generated types
/// (<c>Workflows.X</c>) resolve as in a real build.
/// </summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static async Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    public static async Task CodeFixAsync<TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Error).WithMessageFormat("{0}");

    private static void Configure(ProjectState state)
    {
        state.AdditionalReferences.AddRange(References.All);
    }

    internal static Solution EnableNullable(Solution solution, ProjectId project) =>
        solution.WithProjectCompilationOptions(project,
            ((CSharpCompilationOptions)solution.GetProject(project)!.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable));

    private sealed class AnalyzerTest : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"); // none: the references below, nothing downloaded
            TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck; // the generator's own tests check its output
            Configure(TestState);
            SolutionTransforms.Add(EnableNullable);
        }

        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(Durex.Generators.DurexGenerator)];
    }

    private sealed class CodeFixTest<TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        where TCodeFix : CodeFixProvider, new()
    {
        public CodeFixTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
            Configure(TestState);
            Configure(FixedState);
            SolutionTransforms.Add(EnableNullable);
        }

        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(Durex.Generators.DurexGenerator)];
    }
}

internal static class References
{
    public static readonly MetadataReference[] All =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(Durex.Executor).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location),
    ];
}
