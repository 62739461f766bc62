using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Durex.Generators.Tests;

/// <summary>
/// Runs <see cref="DurexGenerator"/> over sources compiled against the .NET 10 reference assemblies (Basic.Reference.Assemblies,
/// so nothing is downloaded) and the Durex runtime.
/// </summary>
internal static class GeneratorHarness
{
    public static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(Executor).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions).Assembly.Location),
    ];

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create("UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([new DurexGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>
    /// Runs the generator, then the Durex analyzers over the result (they report what the generator skips); returns the
    /// generated sources, the Durex diagnostics and the compiler's errors.
    /// </summary>
    public static GeneratorOutput Run(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = NewDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        Assert.Empty(result.Diagnostics); // validation lives in the analyzers
        var analyzers = output.WithAnalyzers([new Analyzers.DeclarationAnalyzer(), new Analyzers.WorkflowAnalyzer(), new Analyzers.CommandNameAnalyzer()]);
        var durex = analyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return new GeneratorOutput(
            result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToArray(),
            durex.Where(d => d.Severity == DiagnosticSeverity.Error).OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray(),
            output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray());
    }
}

/// <param name="InOrder">The generated sources in the order the generator added them.</param>
/// <param name="GeneratorDiagnostics">The Durex errors about the sources (reported by the analyzers, for what the generator skipped).</param>
internal sealed record GeneratorOutput(
    IReadOnlyList<(string Hint, string Text)> InOrder,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationErrors)
{
    /// <summary>The generated sources by hint name, ordinally.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; } =
        new SortedDictionary<string, string>(InOrder.ToDictionary(s => s.Hint, s => s.Text), StringComparer.Ordinal);
}

/// <summary>
/// Checked-in snapshots of generated code: <c>Snapshots/&lt;test&gt;/&lt;hint&gt;.verified.txt</c>. Run with
/// <c>DUREX_ACCEPT_SNAPSHOTS=1</c> to write what the generator produces now; review the diff before committing.
/// </summary>
internal static class Snapshots
{
    private static bool Accept => Environment.GetEnvironmentVariable("DUREX_ACCEPT_SNAPSHOTS") == "1";

    public static void Verify(GeneratorOutput output, [CallerMemberName] string test = "", [CallerFilePath] string file = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(file)!, "Snapshots", test);
        if (Accept)
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            Directory.CreateDirectory(directory);
            foreach (var (hint, text) in output.Sources)
            {
                File.WriteAllText(Path.Combine(directory, Path.ChangeExtension(hint, ".verified.txt")), text);
            }

            return;
        }

        Assert.True(Directory.Exists(directory), $"No snapshot for {test}: run the tests with DUREX_ACCEPT_SNAPSHOTS=1 and review {directory}.");
        var expected = Directory.GetFiles(directory, "*.verified.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, output.Sources.Keys.Select(h => Path.ChangeExtension(h, ".verified.txt")).ToArray());
        foreach (var (hint, text) in output.Sources)
        {
            var snapshot = File.ReadAllText(Path.Combine(directory, Path.ChangeExtension(hint, ".verified.txt")));
            Assert.True(snapshot == text, $"{hint} differs from its snapshot in {directory}; if the change is intended, accept it with DUREX_ACCEPT_SNAPSHOTS=1.\n--- generated ---\n{text}");
        }
    }
}
