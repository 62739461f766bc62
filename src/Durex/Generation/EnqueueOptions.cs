namespace Durex;

/// <summary>
/// Per-enqueue settings for the generated typed stubs (<c>Jobs.SendEmail.EnqueueAsync(client, payload, options)</c>).
/// Unset members keep what the command's attribute and the executor say.
/// </summary>
public sealed record EnqueueOptions
{
    /// <summary>Runs the command after this delay (<see cref="CommandSpec.Delay"/>).</summary>
    public TimeSpan? Delay { get; set; }

    /// <summary>Runs the command at this time (<see cref="CommandSpec.RunAt"/>).</summary>
    public DateTimeOffset? RunAt { get; set; }

    /// <summary>Overrides the retries (<see cref="CommandSpec.Retries"/>).</summary>
    public int? Retries { get; set; }

    /// <summary>Overrides the per-attempt timeout (<see cref="CommandSpec.Timeout"/>).</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Deadline relative to enqueue (<see cref="CommandSpec.Deadline"/>).</summary>
    public TimeSpan? Deadline { get; set; }

    /// <summary>Absolute deadline (<see cref="CommandSpec.DeadlineAt"/>).</summary>
    public DateTimeOffset? DeadlineAt { get; set; }

    /// <summary>Claim priority (<see cref="CommandSpec.Priority"/>).</summary>
    public int? Priority { get; set; }

    /// <summary>Tags added to the command's own (<see cref="CommandSpec.Tags"/>).</summary>
    public IReadOnlyList<string>? Tags { get; set; }

    /// <summary>Replaces the unique key computed from the attribute's template (<see cref="CommandSpec.UniqueKey"/>).</summary>
    public string? UniqueKey { get; set; }

    /// <summary>Groups the command with others, e.g. a workflow (<see cref="CommandSpec.CorrelationId"/>).</summary>
    public string? CorrelationId { get; set; }

    /// <summary>Trace id (<see cref="CommandSpec.TraceId"/>); the current W3C trace when unset.</summary>
    public string? TraceId { get; set; }

    /// <summary>Commands to run after this one, in order (<see cref="CommandSpec.Sequence"/>).</summary>
    public IReadOnlyList<string>? Sequence { get; set; }

    /// <summary>Copies the set members onto <paramref name="spec"/>.</summary>
    public void ApplyTo(CommandSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Delay = Delay ?? spec.Delay;
        spec.RunAt = RunAt ?? spec.RunAt;
        spec.Retries = Retries ?? spec.Retries;
        spec.Timeout = Timeout ?? spec.Timeout;
        spec.Deadline = Deadline ?? spec.Deadline;
        spec.DeadlineAt = DeadlineAt ?? spec.DeadlineAt;
        spec.Priority = Priority ?? spec.Priority;
        spec.UniqueKey = UniqueKey ?? spec.UniqueKey;
        spec.CorrelationId = CorrelationId ?? spec.CorrelationId;
        spec.TraceId = TraceId ?? spec.TraceId;
        foreach (var tag in Tags ?? [])
        {
            if (!spec.Tags.Contains(tag))
            {
                spec.Tags.Add(tag);
            }
        }

        foreach (var name in Sequence ?? [])
        {
            spec.Sequence.Add(name);
        }
    }
}
