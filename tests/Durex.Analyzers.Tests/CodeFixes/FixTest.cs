using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Durex.Analyzers.Tests.CodeFixes;

/// <summary>
/// <see cref="Verify{TAnalyzer}.CodeFixAsync"/> with what it does not expose: the code action chosen by its equivalence
/// key (for diagnostics that get more than one fix), test behaviors, several files; set up like Verify (Basic.Reference.Assemblies, the Durex generator, nullable enabled).
/// </summary>
internal static class FixTest<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static async Task RunAsync(string equivalenceKey, string source, string fixedSource, params DiagnosticResult[] expected) =>
        await RunAsync(equivalenceKey, CodeFixTestBehaviors.None, source, fixedSource, expected);

    public static async Task RunAsync(string? equivalenceKey, CodeFixTestBehaviors behaviors, string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = equivalenceKey, CodeFixTestBehaviors = behaviors };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    /// <summary>A fix across files: the sources and the fixed sources as (file name, text).</summary>
    public static async Task RunAsync((string Name, string Text)[] sources, (string Name, string Text)[] fixedSources, params DiagnosticResult[] expected)
    {
        var test = new Test();
        test.TestState.Sources.AddRange(sources.Select(s => (s.Name, Microsoft.CodeAnalysis.Text.SourceText.From(s.Text))));
        test.FixedState.Sources.AddRange(fixedSources.Select(s => (s.Name, Microsoft.CodeAnalysis.Text.SourceText.From(s.Text))));
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    private sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
            TestState.AdditionalReferences.AddRange(References.All);
            FixedState.AdditionalReferences.AddRange(References.All);
            SolutionTransforms.Add(Verify<TAnalyzer>.EnableNullable);
        }

        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(Durex.Generators.DurexGenerator)];
    }
}
