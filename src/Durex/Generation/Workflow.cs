using System.Text.Json.Serialization.Metadata;

namespace Durex;

/// <summary>
/// A workflow's shape: its steps in order (steps sharing an order run in parallel) and the compensation of each.
/// Emitted by the generator for <see cref="WorkflowAttribute"/> classes; can be written by hand too.
/// </summary>
/// <remarks>
/// Each step is a durable command. When one completes, the next step (or parallel group) is enqueued in the same store
/// transaction, with the workflow's data — the payload plus whatever the step set on <see cref="CommandContext.Data"/>.
/// A parallel group is a fan-out whose fan-in, the join command <c>&lt;workflow&gt;:join:&lt;order&gt;</c>, merges the
/// members' data and starts the next step. When a step fails for good, the compensations of the steps that completed
/// run in reverse order, one durable command after the other; a compensation that fails for good stops the chain and
/// the workflow ends <see cref="WorkflowState.Failed"/>. When a group member fails for good, the unwind command
/// <c>&lt;workflow&gt;:unwind:&lt;order&gt;</c> waits until the other members have finished, then compensates those that
/// completed (with the data they set) and the steps before the group.
/// </remarks>
public sealed class WorkflowDefinition
{
    private readonly WorkflowStep[][] _groups;
    private readonly Dictionary<string, int> _groupOfStep = new(StringComparer.Ordinal);

    /// <summary>Checks and orders <paramref name="steps"/>.</summary>
    /// <exception cref="ArgumentException">A name is invalid, a step name repeats, orders have gaps or duplicates without <see cref="WorkflowStep.Parallel"/>.</exception>
    public WorkflowDefinition(string name, IEnumerable<WorkflowStep> steps)
    {
        CommandNames.Validate(name, nameof(name));
        ArgumentNullException.ThrowIfNull(steps);
        Name = name;
        Steps = steps.OrderBy(s => s.Order).ToArray();
        if (Steps.Count == 0)
        {
            throw new ArgumentException($"Workflow {name} has no steps.", nameof(steps));
        }

        _groups = Steps.GroupBy(s => s.Order).Select(g => g.ToArray()).ToArray();
        for (var i = 0; i < _groups.Length; i++)
        {
            var group = _groups[i];
            if (group[0].Order != i + 1)
            {
                throw new ArgumentException($"Workflow {name}: step orders must run 1, 2, 3… without gaps; found {group[0].Order} at position {i + 1}.", nameof(steps));
            }

            if (group.Length > 1 && group.Any(s => !s.Parallel))
            {
                throw new ArgumentException(
                    $"Workflow {name}: steps {string.Join(", ", group.Select(s => s.CommandName))} share order {group[0].Order}; mark them Parallel to run them as a fan-out, or number them apart.",
                    nameof(steps));
            }

            foreach (var step in group)
            {
                CommandNames.Validate(step.CommandName, nameof(steps));
                if (step.Compensation is not null)
                {
                    CommandNames.Validate(step.Compensation, nameof(steps));
                }

                if (!_groupOfStep.TryAdd(step.CommandName, i))
                {
                    throw new ArgumentException($"Workflow {name}: step command {step.CommandName} appears twice.", nameof(steps));
                }
            }
        }

        CompensationNames = Steps.Where(s => s.Compensation is not null).Select(s => s.Compensation!).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The workflow's name.</summary>
    public string Name { get; }

    /// <summary>The steps, by order.</summary>
    public IReadOnlyList<WorkflowStep> Steps { get; }

    /// <summary>The command that starts a workflow whose first step is a parallel group.</summary>
    public string StartCommandName => Name + ":start";

    internal IReadOnlyList<string> CompensationNames { get; }

    internal int GroupCount => _groups.Length;

    internal IReadOnlyList<WorkflowStep> Group(int index) => _groups[index];

    internal bool IsParallel(int group) => _groups[group].Length > 1 || _groups[group][0].Parallel;

    /// <summary>The fan-in command of a parallel group.</summary>
    public string JoinCommandName(int order) => $"{Name}:join:{order}";

    /// <summary>
    /// The command that undoes a failed parallel group: it waits (repeating every <see cref="UnwindPollInterval"/>)
    /// until no member is still running, then compensates the members that completed and the steps before.
    /// </summary>
    public string UnwindCommandName(int order) => $"{Name}:unwind:{order}";

    /// <summary>How often a failed group's unwind command checks whether its other members have finished.</summary>
    public static TimeSpan UnwindPollInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts the workflow: enqueues its first step with <paramref name="data"/>. The correlation id (given, or a new
    /// one) identifies the run: pass it to <see cref="GetStatusAsync"/>. The other <paramref name="options"/> (delay,
    /// priority, retries…) apply to the first step's command only.
    /// </summary>
    public async ValueTask<WorkflowRun> StartAsync(IDurexClient client, CommandData data, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(data);
        if (options?.Sequence is { Count: > 0 })
        {
            throw new ArgumentException("A workflow decides what runs after each step: EnqueueOptions.Sequence cannot be used to start one.", nameof(options));
        }

        var first = new CommandSpec(IsParallel(0) ? StartCommandName : _groups[0][0].CommandName) { Data = data };
        options?.ApplyTo(first);
        first.CorrelationId ??= Guid.NewGuid().ToString("N");
        var command = await client.AddAsync(first, cancellationToken).ConfigureAwait(false);
        return new WorkflowRun(Name, command.CorrelationId ?? first.CorrelationId, command);
    }

    /// <summary>Starts the workflow with a typed payload.</summary>
    public ValueTask<WorkflowRun> StartAsync<T>(IDurexClient client, T payload, JsonTypeInfo<T> typeInfo, EnqueueOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        if (payload is null)
        {
            throw new ArgumentNullException(nameof(payload), $"Workflow {Name} needs a {typeof(T).Name} payload; null was given.");
        }

        return StartAsync(client, CommandData.From(payload, typeInfo), options, cancellationToken);
    }

    /// <summary>Where the run with <paramref name="correlationId"/> stands; null when no command of it exists.</summary>
    public async ValueTask<WorkflowStatus?> GetStatusAsync(IDurexClient client, string correlationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(correlationId);
        var commands = await client.FindByCorrelationIdAsync(correlationId, cancellationToken).ConfigureAwait(false);
        return commands.Count == 0 ? null : WorkflowStatus.From(this, correlationId, commands);
    }

    /// <summary>The result that runs what follows group <paramref name="group"/> (-1: the start).</summary>
    internal CommandResult Advance(int group, CommandContext context)
    {
        var next = group + 1;
        if (next >= _groups.Length)
        {
            return CommandResult.Empty;
        }

        if (!IsParallel(next))
        {
            return CommandResult.Next(Spec(_groups[next][0].CommandName, context.Data));
        }

        return CommandResult.SpawnThen(_groups[next].Select(s => Spec(s.CommandName, context.Data)), Spec(JoinCommandName(next + 1), context.Data));
    }

    /// <summary>
    /// The result that compensates, newest first, the steps of the groups before <paramref name="failedGroup"/> and the
    /// <paramref name="completedInFailedGroup"/> members of the failed group itself.
    /// </summary>
    internal CommandResult Compensate(int failedGroup, CommandContext context, IReadOnlyCollection<string> completedInFailedGroup)
    {
        var chain = new List<string>();
        foreach (var step in _groups[failedGroup].Reverse().Where(s => completedInFailedGroup.Contains(s.CommandName)))
        {
            Add(step);
        }

        for (var g = failedGroup - 1; g >= 0; g--)
        {
            foreach (var step in _groups[g].Reverse())
            {
                Add(step);
            }
        }

        if (chain.Count == 0)
        {
            return CommandResult.Empty;
        }

        var first = Spec(chain[0], context.Data);
        foreach (var name in chain.Skip(1))
        {
            first.Sequence.Add(name);
        }

        return CommandResult.Next(first);

        void Add(WorkflowStep step)
        {
            if (step.Compensation is not null)
            {
                chain.Add(step.Compensation);
            }
        }
    }

    internal int GroupOf(string stepCommand) => _groupOfStep[stepCommand];

    private static CommandSpec Spec(string name, CommandData data) => new(name) { Data = data.Clone() };
}

/// <summary>One step of a <see cref="WorkflowDefinition"/>.</summary>
/// <param name="Order">Position from 1; steps sharing it must all be <paramref name="Parallel"/>.</param>
/// <param name="CommandName">The command that runs the step.</param>
/// <param name="Compensation">The command that undoes the step, if any.</param>
/// <param name="Parallel">Runs with the other steps of the same order as a fan-out.</param>
public sealed record WorkflowStep(int Order, string CommandName, string? Compensation = null, bool Parallel = false);

/// <summary>A started workflow run.</summary>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="CorrelationId">Identifies the run: every command of it carries this correlation id.</param>
/// <param name="FirstCommand">The command enqueued to start it.</param>
public sealed record WorkflowRun(string Workflow, string CorrelationId, CommandInstance FirstCommand);

/// <summary>Where a workflow run stands.</summary>
public enum WorkflowState
{
    /// <summary>Steps are still to run or running.</summary>
    Running,

    /// <summary>Every step completed.</summary>
    Completed,

    /// <summary>A step failed for good; compensations are running or about to.</summary>
    Compensating,

    /// <summary>A step failed for good and every compensation due completed.</summary>
    Compensated,

    /// <summary>A step failed for good (or was cancelled) and nothing was compensated, or a compensation failed for good.</summary>
    Failed,
}

/// <summary>A workflow run's state and the commands it consists of, oldest first.</summary>
public sealed record WorkflowStatus(string Workflow, string CorrelationId, WorkflowState State, IReadOnlyList<CommandInstance> Commands)
{
    internal static WorkflowStatus From(WorkflowDefinition definition, string correlationId, IReadOnlyList<CommandInstance> commands)
    {
        var compensations = definition.CompensationNames.ToHashSet(StringComparer.Ordinal);
        var lastGroup = definition.Group(definition.GroupCount - 1);
        var lastName = definition.IsParallel(definition.GroupCount - 1)
            ? definition.JoinCommandName(definition.GroupCount)
            : lastGroup[0].CommandName;

        var anyActive = commands.Any(c => c.Status.IsActive());
        var compensationStarted = commands.Any(c => compensations.Contains(c.Name));
        var compensationFailed = commands.Any(c => compensations.Contains(c.Name) && EndedBadly(c.Status));
        var stepFailed = commands.Any(c => !compensations.Contains(c.Name) && EndedBadly(c.Status));
        var state =
            compensationFailed ? WorkflowState.Failed :
            compensationStarted ? anyActive ? WorkflowState.Compensating : WorkflowState.Compensated :
            stepFailed ? anyActive ? WorkflowState.Compensating : WorkflowState.Failed :
            commands.Any(c => c.Name == lastName && c.Status == CommandStatus.Completed) ? WorkflowState.Completed :
            WorkflowState.Running;
        return new WorkflowStatus(definition.Name, correlationId, state, commands);
    }

    private static bool EndedBadly(CommandStatus status) =>
        status is CommandStatus.Failed or CommandStatus.DeadLetter or CommandStatus.Expired or CommandStatus.Cancelled;
}
