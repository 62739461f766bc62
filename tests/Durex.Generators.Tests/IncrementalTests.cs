using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Durex.Generators.Tests;

/// <summary>
/// The pipeline caches: an edit that does not touch Durex declarations leaves every tracked step Cached or Unchanged,
/// an edit that does makes it Modified, and no step output holds a symbol, syntax node or compilation.
/// </summary>
public sealed class IncrementalTests
{
    private static readonly string[] TrackedSteps =
    [
        DurexGenerator.TrackingNames.Commands,
        DurexGenerator.TrackingNames.Workflows,
        DurexGenerator.TrackingNames.Settings,
        DurexGenerator.TrackingNames.Combined,
    ];

    private const string Unrelated = "public static class Helpers { public static int Twice(int x) => x * 2; }";

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compile(Sources.StaticCommand, Sources.Workflow, Unrelated);
        var driver = GeneratorHarness.NewDriver().RunGenerators(compilation);

        var edited = Replace(compilation, 2, Unrelated.Replace("x * 2", "x + x"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Editing_a_command_attribute_modifies_the_command_and_what_follows()
    {
        var compilation = GeneratorHarness.Compile(Sources.StaticCommand, Sources.Workflow, Unrelated);
        var driver = GeneratorHarness.NewDriver().RunGenerators(compilation);

        var edited = Replace(compilation, 0, Sources.StaticCommand.Replace("Retries = 3", "Retries = 4"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Modified, result.TrackedSteps[DurexGenerator.TrackingNames.Commands].SelectMany(s => s.Outputs).Select(o => o.Reason));
        Assert.Contains(IncrementalStepRunReason.Modified, result.TrackedSteps[DurexGenerator.TrackingNames.Combined].SelectMany(s => s.Outputs).Select(o => o.Reason));
        Assert.All(result.TrackedSteps[DurexGenerator.TrackingNames.Workflows].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains(".Retries(4)", result.GeneratedSources.Single(s => s.HintName == "Durex.Jobs.g.cs").SourceText.ToString());
    }

    [Fact]
    public void No_step_output_holds_symbols_syntax_or_compilations()
    {
        var compilation = GeneratorHarness.Compile(Sources.StaticCommand, Sources.InstanceCommand, Sources.Workflow, Sources.ParallelWorkflow);
        var result = GeneratorHarness.NewDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoRoslynObjects(output.Value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static Compilation Replace(Compilation compilation, int index, string text)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, old.FilePath));
    }

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree,
            $"{path} holds a {value.GetType().Name}: pipeline outputs must be plain values so they can be cached.");
        if (value is IEnumerable sequence)
        {
            foreach (var item in sequence)
            {
                AssertNoRoslynObjects(item, path + "[]", seen);
            }

            return;
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
        }
    }
}
