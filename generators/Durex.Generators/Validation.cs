using System.Collections.Generic;
using System.Linq;

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
}
