namespace Durex;

/// <summary>The body of a workflow step or compensation, and the command options of its command.</summary>
/// <param name="Run">Runs the user's method. It may return <see cref="CommandResult.Empty"/> or <see cref="CommandResult.Retry()"/>.</param>
/// <param name="Configure">Retries, timeout… of the command.</param>
public sealed record WorkflowHandler(CommandHandler Run, Action<CommandOptions>? Configure = null);

/// <summary>Registers workflows on an executor.</summary>
public static class WorkflowExecutorExtensions
{
    /// <summary>
    /// Registers the commands of <paramref name="definition"/>: each step, each compensation, the joins of parallel
    /// groups and, when the first group is parallel, the start command. <paramref name="handlers"/> maps every step and
    /// compensation command name to its body.
    /// </summary>
    /// <exception cref="ArgumentException">A step or compensation has no handler, or a handler names no command of the workflow.</exception>
    public static Executor AddWorkflow(this Executor executor, WorkflowDefinition definition, IReadOnlyDictionary<string, WorkflowHandler> handlers)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(handlers);
        var expected = definition.Steps.Select(s => s.CommandName).Concat(definition.CompensationNames).ToHashSet(StringComparer.Ordinal);
        if (expected.FirstOrDefault(n => !handlers.ContainsKey(n)) is { } missing)
        {
            throw new ArgumentException($"Workflow {definition.Name}: command {missing} has no handler.", nameof(handlers));
        }

        if (handlers.Keys.FirstOrDefault(n => !expected.Contains(n)) is { } unknown)
        {
            throw new ArgumentException($"Workflow {definition.Name}: handler {unknown} is neither a step nor a compensation of it.", nameof(handlers));
        }

        if (definition.IsParallel(0))
        {
            executor.Handle(definition.StartCommandName, (context, _) => new(definition.Advance(-1, context)));
        }

        for (var group = 0; group < definition.GroupCount; group++)
        {
            var groupIndex = group;
            var parallel = definition.IsParallel(group);
            foreach (var step in definition.Group(group))
            {
                var handler = handlers[step.CommandName];
                executor.Handle(step.CommandName, async (context, cancellationToken) =>
                {
                    var result = await RunBodyAsync(definition, step.CommandName, handler, context, cancellationToken).ConfigureAwait(false);
                    // A parallel member's successor is its group's join, which the fan-in releases.
                    return result.Kind == CommandResultKind.Retry || parallel ? result : definition.Advance(groupIndex, context);
                }, options =>
                {
                    handler.Configure?.Invoke(options);
                    // A parallel member that fails for good fails its join, whose own hook compensates the whole group.
                    options.OnRecover((context, _, _) => new(parallel ? CommandResult.Empty : definition.Compensate(groupIndex, context, [])));
                });
            }

            if (parallel)
            {
                var members = definition.Group(group).Select(s => s.CommandName).ToHashSet(StringComparer.Ordinal);
                executor.Handle(definition.JoinCommandName(group + 1), (context, _) =>
                {
                    foreach (var child in context.FanInResults)
                    {
                        context.Data.Merge(child.Data);
                    }

                    return new(definition.Advance(groupIndex, context));
                }, options => options.OnRecover((context, _, _) =>
                    // The group failed, but members may still be running: the unwind command waits for them.
                    new(CommandResult.Next(new CommandSpec(definition.UnwindCommandName(groupIndex + 1)) { Data = context.Data.Clone() }))));

                executor.Handle(definition.UnwindCommandName(group + 1), async (context, cancellationToken) =>
                {
                    var run = await executor.FindByCorrelationIdAsync(context.CorrelationId!, cancellationToken).ConfigureAwait(false);
                    var join = run.FirstOrDefault(c => c.Id == context.ParentId);
                    var siblings = run.Where(c => join is not null && c.ParentId == join.ParentId && members.Contains(c.Name)).ToArray();
                    if (siblings.Any(c => c.Status.IsActive()))
                    {
                        return CommandResult.Repeat(WorkflowDefinition.UnwindPollInterval);
                    }

                    // Undo the members that completed, with the data they set, then the steps before the group.
                    var completed = siblings.Where(c => c.Status == CommandStatus.Completed).ToArray();
                    foreach (var member in completed)
                    {
                        context.Data.Merge(member.Data);
                    }

                    return definition.Compensate(groupIndex, context, completed.Select(c => c.Name).ToHashSet(StringComparer.Ordinal));
                });
            }
        }

        foreach (var compensation in definition.CompensationNames)
        {
            var handler = handlers[compensation];
            executor.Handle(compensation, async (context, cancellationToken) =>
            {
                var result = await RunBodyAsync(definition, compensation, handler, context, cancellationToken).ConfigureAwait(false);
                return result.Kind == CommandResultKind.Retry ? result : context.ContinueSequence();
            }, handler.Configure);
        }

        return executor;
    }

    private static async ValueTask<CommandResult> RunBodyAsync(WorkflowDefinition definition, string name, WorkflowHandler handler, CommandContext context,
        CancellationToken cancellationToken)
    {
        var result = await handler.Run(context, cancellationToken).ConfigureAwait(false) ?? CommandResult.Empty;
        return result.Kind is CommandResultKind.Empty or CommandResultKind.Retry
            ? result
            : throw new InvalidOperationException(
                $"Workflow {definition.Name}: {name} returned {result.Kind}; a workflow step or compensation may only return " +
                "CommandResult.Empty or CommandResult.Retry(), because the workflow decides what runs next.");
    }
}
