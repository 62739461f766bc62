namespace Durex;

/// <summary>
/// Marks a method as the handler of a durable command. The Durex source generator registers it
/// (<c>executor.AddGeneratedCommands()</c>) and emits a typed enqueue stub under <c>Jobs</c>
/// (<c>Jobs.SendEmail.EnqueueAsync(client, payload)</c>) and the JSON metadata of its payload.
/// </summary>
/// <remarks>
/// Parameters, in any order and each optional: the payload (any type the generated JSON metadata or the context named
/// by <see cref="DurexJsonContextAttribute"/> covers), <see cref="CommandContext"/>, <see cref="CancellationToken"/>.
/// Returns <see cref="Task"/>, <see cref="ValueTask"/>, <see cref="CommandResult"/>, <c>Task&lt;CommandResult&gt;</c>,
/// <c>ValueTask&lt;CommandResult&gt;</c> or nothing (<c>void</c>). Instance methods run on an instance created per attempt from the
/// attempt's DI scope. Only the properties you set apply; the others keep the executor's defaults.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DurexCommandAttribute(string name) : Attribute
{
    /// <summary>The command name (1–200 characters of ASCII letters, digits and <c>_ - . : /</c>).</summary>
    public string Name { get; } = name;

    /// <summary>Retries after the first attempt (<see cref="CommandOptions.Retries"/>).</summary>
    public int Retries { get; set; }

    /// <summary>Per-attempt timeout in seconds (<see cref="CommandOptions.Timeout"/>).</summary>
    public double TimeoutSeconds { get; set; }

    /// <summary>Deadline in seconds after enqueue; past it the command expires (<see cref="CommandOptions.Deadline"/>).</summary>
    public double DeadlineSeconds { get; set; }

    /// <summary>Repeat period in seconds for commands that return <see cref="CommandResult.Repeat()"/>.</summary>
    public double PeriodSeconds { get; set; }

    /// <summary>Cron expression (5 or 6 fields) for repeating commands (<see cref="CommandOptions.Cron"/>).</summary>
    public string? Cron { get; set; }

    /// <summary>IANA or Windows time zone id for <see cref="Cron"/>; UTC when unset.</summary>
    public string? CronTimeZone { get; set; }

    /// <summary>Claim priority: higher runs first among ready commands.</summary>
    public int Priority { get; set; }

    /// <summary>Tags given to every command of this name (cancel by tag, dashboard filters).</summary>
    public string[]? Tags { get; set; }

    /// <summary>
    /// Unique key template applied at enqueue, with payload members in braces: <c>"order-{OrderId}"</c>. While a
    /// command holds the key, enqueueing another with the same key throws <see cref="DuplicateCommandException"/>.
    /// </summary>
    public string? UniqueKey { get; set; }

    /// <summary>
    /// Name of a method of the same class run when the command fails for good (the saga hook). Parameters in any order,
    /// each optional: the payload, <see cref="CommandContext"/>, <see cref="Exception"/>, <see cref="CancellationToken"/>;
    /// returns like a handler.
    /// </summary>
    public string? OnRecover { get; set; }

    /// <summary>
    /// Name of a method of the same class run when the command expires (deadline passed before it ran). Parameters in
    /// any order, each optional: the payload, <see cref="CommandContext"/>, <see cref="CancellationToken"/>.
    /// </summary>
    public string? OnExpired { get; set; }
}

/// <summary>
/// Marks a class as a workflow: its <see cref="StepAttribute"/> methods run in order as durable commands, passing the
/// payload and <see cref="CommandContext.Data"/> along; when a step fails for good, the compensations of the steps
/// already completed run in reverse order. The generator emits <c>Workflows.&lt;Name&gt;.StartAsync(client, payload)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class WorkflowAttribute(string name) : Attribute
{
    /// <summary>
    /// The workflow name; each step and compensation runs as the command <c>&lt;name&gt;.&lt;method&gt;</c>, the method name
    /// in camelCase without its <c>Async</c> suffix (<c>ChargeAsync</c> → <c>processOrder.charge</c>).
    /// </summary>
    public string Name { get; } = name;
}

/// <summary>A step of a <see cref="WorkflowAttribute"/> class. Signatures as for <see cref="DurexCommandAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class StepAttribute(int order) : Attribute
{
    /// <summary>Position of the step, from 1. Steps sharing a number with <see cref="Parallel"/> set run as a fan-out.</summary>
    public int Order { get; } = order;

    /// <summary>
    /// Name of a method of the class that undoes this step; it runs when a later step fails for good. Parameters as for
    /// a step.
    /// </summary>
    public string? Compensate { get; set; }

    /// <summary>
    /// Runs this step in parallel with the other steps of the same number (fan-out); the next step starts when all of
    /// them completed (fan-in).
    /// </summary>
    public bool Parallel { get; set; }

    /// <summary>Says on purpose that the step needs no compensation (the analyzer then stays silent).</summary>
    public bool NoCompensation { get; set; }

    /// <summary>Retries of this step after its first attempt.</summary>
    public int Retries { get; set; }

    /// <summary>Per-attempt timeout of this step in seconds.</summary>
    public double TimeoutSeconds { get; set; }
}

/// <summary>
/// Settings of the code the Durex generator emits for this assembly. Default: classes <c>Jobs</c> and
/// <c>Workflows</c> in the global namespace, internal.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class DurexGeneratedCodeAttribute : Attribute
{
    /// <summary>Namespace of the generated classes; the global namespace when unset.</summary>
    public string? Namespace { get; set; }

    /// <summary>Name of the class holding one nested class per command (default <c>Jobs</c>).</summary>
    public string? JobsClassName { get; set; }

    /// <summary>Name of the class holding one nested class per workflow (default <c>Workflows</c>).</summary>
    public string? WorkflowsClassName { get; set; }

    /// <summary>Makes the generated classes public, so another assembly can enqueue this one's commands and register them.</summary>
    public bool Public { get; set; }
}

/// <summary>
/// Names the <c>JsonSerializerContext</c> that serializes payload types the generated JSON metadata does not cover.
/// Every such type needs a <c>[JsonSerializable]</c> line on that context.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class DurexJsonContextAttribute(Type contextType) : Attribute
{
    /// <summary>The user's <c>JsonSerializerContext</c>.</summary>
    public Type ContextType { get; } = contextType;
}

/// <summary>
/// Asks the generator for the JSON metadata of a type no command takes as payload (for example a value passed with
/// <see cref="CommandContext.Set{T}(string, T, System.Text.Json.Serialization.Metadata.JsonTypeInfo{T})"/>); it is
/// available as <c>DurexJsonMetadata.Default</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class DurexJsonTypeAttribute(Type type) : Attribute
{
    /// <summary>The type to describe.</summary>
    public Type Type { get; } = type;
}
