using Durex.Tests.Shared;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Durex.Analyzers.Tests;

/// <summary>
/// Builds Mistakes/Mistakes.csproj — a library referencing Durex, with the generator and analyzers loaded the way a
/// project of this repository loads them (eng/Durex.Analyzers.targets), and one file per rule holding one mistake — and
/// checks that <c>dotnet build</c> reports each rule in its own file and nothing else: the rules fire in a real build
/// (compiler, release tracking, Cronos loaded next to the analyzers, compilation-end rules), not only in the testing
/// library's compilations.
/// </summary>
public sealed partial class MistakesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan BuildGuard = TimeSpan.FromMinutes(5); // a hang guard, not a timing assertion

    /// <summary>(file, rule) pairs the build must report, exactly.</summary>
    private static readonly (string File, string Id)[] Expected =
    [
        ("DURX0001.cs", "DURX0001"),
        ("DURX0002.cs", "DURX0002"),
        ("DURX0003.cs", "DURX0003"),
        ("DURX0004.cs", "DURX0004"),
        ("DURX0005.cs", "DURX0005"),
        ("DURX0006.cs", "DURX0006"),
        ("DURX0007.cs", "DURX0007"),
        ("DURX0008.cs", "DURX0008"),
        ("DURX0009.cs", "DURX0009"),
        ("DURX0010.cs", "DURX0010"),
        ("DURX1001.cs", "DURX1001"),
        ("DURX1002.cs", "DURX1002"),
        ("DURX1003.cs", "DURX1003"),
        ("DURX1004.cs", "DURX1004"),
        ("DURX2001.cs", "DURX2001"),
        ("DURX2002.cs", "DURX2002"),
        ("DURX2003.cs", "DURX2003"),
        // A private payload type only compiles on a method of a private class (otherwise CS0051), which DURX0005 reports.
        ("DURX2003.cs", "DURX0005"),
    ];

    private static readonly string[] Warnings = ["DURX0010", "DURX1002", "DURX1004"];

    [Fact]
    public async Task The_project_with_one_of_each_mistake_reports_each_rule_in_its_file_and_nothing_else()
    {
        var root = ExternalProcess.RepoRoot();
        var project = Path.Combine(root, "tests", "Durex.Analyzers.Tests", "Mistakes", "Mistakes.csproj");
        var temp = Directory.CreateTempSubdirectory("durex-mistakes-");
        try
        {
            var stopwatch = Stopwatch.StartNew();
            // --artifacts-path: everything (Durex, the generator, the analyzers, the project) builds into the temp folder,
            // never into the bin/obj the solution build uses. --disable-build-servers: no server outlives the test.
            var build = await ExternalProcess.RunAsync("dotnet", root, BuildGuard,
                "build", project, "-c", "Release",
                "--artifacts-path", Path.Combine(temp.FullName, "artifacts"),
                "--disable-build-servers", "-nologo", "-tl:off", "-p:TreatWarningsAsErrors=false");
            stopwatch.Stop();
            output.WriteLine($"build: {stopwatch.Elapsed.TotalSeconds:0.0} s, exit {build.ExitCode}");

            // MSBuild prints each diagnostic twice (as it happens and in the summary): distinct by position.
            var diagnostics = build.Output.Split('\n')
                .Select(l => DiagnosticLine().Match(l))
                .Where(m => m.Success)
                .Select(m => (File: Path.GetFileName(m.Groups["file"].Value), Line: int.Parse(m.Groups["line"].Value), Column: int.Parse(m.Groups["column"].Value),
                    Severity: m.Groups["severity"].Value, Id: m.Groups["id"].Value))
                .Distinct()
                .OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToArray();
            foreach (var diagnostic in diagnostics)
            {
                output.WriteLine($"{diagnostic.File}({diagnostic.Line},{diagnostic.Column}): {diagnostic.Severity} {diagnostic.Id}");
            }

            // Any line, with a position or without one (CSC : warning CS8032 when an analyzer fails to load).
            var compiler = build.Output.Split('\n').Where(l => CompilerLine().IsMatch(l)).Select(l => l.Trim()).Distinct().ToArray();
            Assert.True(compiler.Length == 0,
                $"the mistakes must be Durex's only, but the compiler reported:\n{string.Join('\n', compiler)}");

            var durex = diagnostics.Where(d => d.Id.StartsWith("DURX", StringComparison.Ordinal)).ToArray();
            Assert.True(durex.Length > 0, $"the build reported no Durex diagnostic (exit {build.ExitCode}):\n{build.Output}");
            Assert.NotEqual(0, build.ExitCode); // the errors fail the build

            var actual = durex.Select(d => (d.File, d.Id)).Distinct().Order().ToArray();
            var expected = Expected.Distinct().Order().ToArray();
            Assert.True(expected.SequenceEqual(actual),
                $"missing: {string.Join(", ", expected.Except(actual))}; unexpected: {string.Join(", ", actual.Except(expected))}\n{build.Output}");

            // Warnings stay warnings (TreatWarningsAsErrors is off), errors are errors.
            foreach (var diagnostic in durex)
            {
                Assert.True((diagnostic.Severity == "warning") == Warnings.Contains(diagnostic.Id),
                    $"{diagnostic.Id} in {diagnostic.File} is reported as {diagnostic.Severity}");
            }

            // Every rule of the analyzers has its file here.
            var rules = typeof(DeclarationAnalyzer).Assembly.GetTypes()
                .Where(t => t.IsSubclassOf(typeof(Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer)) && !t.IsAbstract)
                .SelectMany(t => ((Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)
                .Select(d => d.Id)
                .Distinct()
                .Order(StringComparer.Ordinal);
            Assert.Equal(rules, Expected.Where(e => e.File == e.Id + ".cs").Select(e => e.Id).Order(StringComparer.Ordinal));
        }
        finally
        {
            try
            {
                temp.Delete(recursive: true);
            }
            catch (IOException)
            {
                // best effort: the temp folder is the system's
            }
        }
    }

    /// <summary><c>path(line,column): error|warning ID: message</c>, as MSBuild prints compiler and analyzer diagnostics.</summary>
    [GeneratedRegex(@"^\s*(?<file>[^\s(][^(]*)\((?<line>\d+),(?<column>\d+)\): (?<severity>error|warning) (?<id>[A-Z]+\d+):")]
    private static partial Regex DiagnosticLine();

    [GeneratedRegex(@"\b(error|warning) CS\d+")]
    private static partial Regex CompilerLine();

}
