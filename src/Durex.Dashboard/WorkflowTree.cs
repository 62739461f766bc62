namespace Durex.Dashboard;

/// <summary>The commands of a workflow as a tree (by <see cref="CommandInstance.ParentId"/>), flattened in depth-first order with each node's depth.</summary>
/// <remarks>Flat rather than nested JSON, so a long chain of steps cannot exceed any JSON nesting limit.</remarks>
internal static class WorkflowTree
{
    public static IReadOnlyList<WorkflowNodeDto> Flatten(IReadOnlyList<CommandInstance> commands)
    {
        // Not ToDictionary: stand-in ids of rows whose id could not be read may repeat, and that must not fail the view.
        var byId = new Dictionary<Guid, CommandInstance>(commands.Count);
        foreach (var command in commands)
        {
            byId.TryAdd(command.Id, command);
        }

        var children = new Dictionary<Guid, List<CommandInstance>>();
        var roots = new List<CommandInstance>();
        foreach (var command in commands) // oldest first, so siblings stay in creation order
        {
            if (command.ParentId is { } parent && parent != command.Id && byId.ContainsKey(parent))
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(command);
            }
            else
            {
                roots.Add(command); // the root, or a command whose parent is gone (retention) or outside the workflow
            }
        }

        var nodes = new List<WorkflowNodeDto>(commands.Count);
        var visited = new HashSet<Guid>();
        var stack = new Stack<(CommandInstance Command, int Depth)>();
        foreach (var root in roots)
        {
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (command, depth) = stack.Pop();
                if (!visited.Add(command.Id))
                {
                    continue;
                }

                nodes.Add(new WorkflowNodeDto(depth, CommandDto.From(command, withPayload: false)));
                if (children.TryGetValue(command.Id, out var list))
                {
                    for (var i = list.Count - 1; i >= 0; i--)
                    {
                        stack.Push((list[i], depth + 1));
                    }
                }
            }
        }

        // A parent cycle (impossible from the engine, but data is data) leaves nodes unvisited: list them at the top level.
        foreach (var command in commands)
        {
            if (visited.Add(command.Id))
            {
                nodes.Add(new WorkflowNodeDto(0, CommandDto.From(command, withPayload: false)));
            }
        }

        return nodes;
    }
}
