using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Durex.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Durex.Analyzers;

/// <summary>
/// Workflow-level mistakes: a step that cannot be undone while a later one can fail (DURX1004), and workflows whose steps
/// start each other in a cycle (DURX1003), which would run forever.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkflowAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [DiagnosticDescriptors.MissingCompensation, DiagnosticDescriptors.WorkflowCycle];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var workflowAttribute = start.Compilation.GetTypeByMetadataName(Parser.WorkflowAttribute);
            var stepAttribute = start.Compilation.GetTypeByMetadataName(Parser.StepAttribute);
            var definitionType = start.Compilation.GetTypeByMetadataName("Durex.WorkflowDefinition");
            if (workflowAttribute is null || stepAttribute is null || definitionType is null)
            {
                return;
            }

            // Workflow name → (workflows its steps start, where each start is).
            var starts = new ConcurrentBag<(string From, string To, Location At)>();
            var declarations = new ConcurrentDictionary<string, Location>();
            start.RegisterSymbolAction(symbol =>
            {
                var type = (INamedTypeSymbol)symbol.Symbol;
                if (WorkflowName(type, workflowAttribute) is not { } name)
                {
                    return;
                }

                declarations.TryAdd(name, type.Locations.FirstOrDefault() ?? Location.None);
                CheckCompensations(symbol, type, stepAttribute);
            }, SymbolKind.NamedType);
            start.RegisterOperationAction(operation =>
            {
                var invocation = (IInvocationOperation)operation.Operation;
                if (operation.ContainingSymbol is not IMethodSymbol { ContainingType: { } owner } method
                    || WorkflowName(owner, workflowAttribute) is not { } from
                    || !method.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, stepAttribute))
                    || StartedWorkflow(invocation, definitionType) is not { } to)
                {
                    return;
                }

                starts.Add((from, to, invocation.Syntax.GetLocation()));
            }, OperationKind.Invocation);
            start.RegisterCompilationEndAction(end =>
            {
                var edges = starts.GroupBy(s => s.From).ToDictionary(g => g.Key, g => g.OrderBy(e => e.To, System.StringComparer.Ordinal).ToList());
                foreach (var edge in starts.OrderBy(e => e.From, System.StringComparer.Ordinal).ThenBy(e => e.At.SourceSpan.Start))
                {
                    if (PathBack(edges, edge.To, edge.From) is { } path)
                    {
                        var cycle = string.Join(" → ", new[] { edge.From }.Concat(path));
                        end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WorkflowCycle, edge.At,
                            $"Workflows start each other in a cycle ({cycle}): every run would start another without end. Break the cycle, or start the next run from outside the workflow."));
                    }
                }
            });
        });
    }

    private static string? WorkflowName(INamedTypeSymbol type, INamedTypeSymbol workflowAttribute) =>
        type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, workflowAttribute))
            ?.ConstructorArguments.FirstOrDefault().Value as string;

    /// <summary>
    /// The workflow an invocation starts: <c>Workflows.X.StartAsync(...)</c> (a generated class with a constant
    /// <c>Name</c> and a <c>Definition</c>) or <c>Workflows.X.Definition.StartAsync(...)</c>.
    /// </summary>
    private static string? StartedWorkflow(IInvocationOperation invocation, INamedTypeSymbol definitionType)
    {
        if (invocation.TargetMethod.Name != "StartAsync")
        {
            return null;
        }

        var holder = SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, definitionType)
            ? (invocation.Instance as IPropertyReferenceOperation)?.Property.ContainingType
            : invocation.TargetMethod.ContainingType;
        if (holder is null || !holder.GetMembers("Definition").OfType<IPropertySymbol>().Any(p => SymbolEqualityComparer.Default.Equals(p.Type, definitionType)))
        {
            return null;
        }

        return holder.GetMembers("Name").OfType<IFieldSymbol>().FirstOrDefault(f => f.IsConst)?.ConstantValue as string;
    }

    private static List<string>? PathBack(Dictionary<string, List<(string From, string To, Location At)>> edges, string from, string target)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<(string Node, List<string> Path)>();
        stack.Push((from, [from]));
        while (stack.Count > 0)
        {
            var (node, path) = stack.Pop();
            if (node == target)
            {
                return path;
            }

            if (!seen.Add(node) || !edges.TryGetValue(node, out var next))
            {
                continue;
            }

            foreach (var edge in next)
            {
                stack.Push((edge.To, [.. path, edge.To]));
            }
        }

        return null;
    }

    /// <summary>
    /// A step that is not the last and has no compensation: if a later step fails for good, what it did stays done.
    /// <c>NoCompensation = true</c> says that is intended.
    /// </summary>
    private static void CheckCompensations(SymbolAnalysisContext context, INamedTypeSymbol type, INamedTypeSymbol stepAttribute)
    {
        var steps = type.GetMembers().OfType<IMethodSymbol>()
            .Select(m => (Method: m, Step: m.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, stepAttribute))))
            .Where(s => s.Step is not null && s.Step.ConstructorArguments.FirstOrDefault().Value is int)
            .Select(s => (s.Method, Attribute: s.Step!, Order: (int)s.Step!.ConstructorArguments[0].Value!))
            .ToArray();
        if (steps.Length == 0)
        {
            return;
        }

        var last = steps.Max(s => s.Order);
        foreach (var step in steps.Where(s => s.Order < last))
        {
            var named = step.Attribute.NamedArguments.ToDictionary(a => a.Key, a => a.Value.Value);
            if (named.ContainsKey("Compensate") || named.TryGetValue("NoCompensation", out var no) && no is true)
            {
                continue;
            }

            var later = steps.Where(s => s.Order > step.Order).OrderBy(s => s.Order).First();
            var location = step.Attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
                ?? step.Method.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MissingCompensation, location,
                $"Step {step.Method.Name} ({step.Order}) of workflow {type.Name} has no compensation, but step {later.Method.Name} ({later.Order}) after it can fail: add Compensate = nameof(...) to undo it, or NoCompensation = true if it changes nothing that needs undoing."));
        }
    }
}
