using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Durex.Generators;

/// <summary>Checks across declarations, shared by the generator (to skip what would not compile) and the analyzers (to report).</summary>
internal static class Validation
{
    /// <summary>
    /// Command names used by more than one declaration (commands, workflow steps, compensations, joins), each reported
    /// at every declaration that uses it; none of them generates.
    /// </summary>
    public static List<(DiagnosticInfo Declaration, DiagnosticInfo Diagnostic)> DuplicateNames(IEnumerable<CommandModel> commands, IEnumerable<WorkflowModel> workflows)
    {
        var uses = new List<(string Name, DiagnosticInfo Declaration, string Owner)>();
        foreach (var command in commands.Where(c => c.Diagnostics.Count == 0))
        {
            uses.Add((command.Name, command.Location, $"[DurexCommand] {command.Method.Name}"));
        }

        foreach (var workflow in workflows.Where(w => w.Diagnostics.Count == 0))
        {
            var owner = $"workflow {workflow.Name}";
            uses.AddRange(workflow.Steps.Select(s => (s.CommandName, workflow.Location, $"{owner} (step {s.Method.Name})")));
            uses.AddRange(workflow.Compensations.Select(c => (c.CommandName, workflow.Location, $"{owner} (compensation {c.Method.Name})")));
        }

        var result = new List<(DiagnosticInfo, DiagnosticInfo)>();
        foreach (var group in uses.GroupBy(u => u.Name, System.StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var owners = string.Join(", ", group.Select(u => u.Owner));
            foreach (var use in group)
            {
                result.Add((use.Declaration, use.Declaration with
                {
                    Id = "DURX0008",
                    Message = $"Command name '{group.Key}' is used {group.Count()} times ({owners}); each command needs its own name",
                }));
            }
        }

        return result;
    }

    /// <summary>Every type under <paramref name="container"/>, nested types included.</summary>
    public static IEnumerable<INamedTypeSymbol> Types(INamespaceOrTypeSymbol container)
    {
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(container);
        while (pending.Count > 0)
        {
            foreach (var member in pending.Pop().GetMembers())
            {
                if (member is INamespaceOrTypeSymbol inner)
                {
                    pending.Push(inner);
                }

                if (member is INamedTypeSymbol type)
                {
                    yield return type;
                }
            }
        }
    }

    /// <summary>
    /// The command names a declaration registers: a <c>[DurexCommand]</c> method's, or a <c>[Workflow]</c> type's steps
    /// and compensations (each once). Read from the attributes alone, so it works on referenced assemblies too.
    /// </summary>
    public static IEnumerable<string> DeclaredNames(ISymbol symbol)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            var attributeName = attribute.AttributeClass?.ToDisplayString();
            if (attributeName == Parser.CommandAttribute && attribute.ConstructorArguments.FirstOrDefault().Value is string command)
            {
                yield return command;
            }
            else if (attributeName == Parser.WorkflowAttribute && symbol is INamedTypeSymbol type
                     && attribute.ConstructorArguments.FirstOrDefault().Value is string workflow)
            {
                var compensations = new HashSet<string>(System.StringComparer.Ordinal);
                foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
                {
                    var step = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Parser.StepAttribute);
                    if (step is null)
                    {
                        continue;
                    }

                    yield return workflow + "." + Parser.CommandSegment(method.Name);
                    if (step.NamedArguments.FirstOrDefault(a => a.Key == "Compensate").Value.Value is string { Length: > 0 } compensation
                        && compensations.Add(compensation))
                    {
                        yield return workflow + "." + Parser.CommandSegment(compensation);
                    }
                }
            }
        }
    }

    /// <summary>The names declared by every type under <paramref name="container"/> and its methods.</summary>
    public static IEnumerable<string> DeclaredNamesUnder(INamespaceOrTypeSymbol container) =>
        Types(container).SelectMany(type => DeclaredNames(type).Concat(type.GetMembers().OfType<IMethodSymbol>().SelectMany(DeclaredNames)));
}
