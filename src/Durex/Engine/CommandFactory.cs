using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Durex;

/// <summary>Turns specs into new command rows: validation, scheduling, id propagation.</summary>
internal static class CommandFactory
{
    /// <summary>Builds a root command (enqueued by a client).</summary>
    public static CommandInstance Create(CommandSpec spec, DateTimeOffset now, HandlerRegistry? registry, int maxPayloadBytes) =>
        Build(spec, now, registry, maxPayloadBytes, parent: null, awaitedBy: null, status: CommandStatus.Pending, fanInTotal: 0);

    /// <summary>Builds a command spawned by <paramref name="parent"/>: trace and correlation ids are inherited.</summary>
    public static CommandInstance CreateChild(CommandSpec spec, DateTimeOffset now, HandlerRegistry? registry, int maxPayloadBytes,
        CommandInstance parent, Guid? awaitedBy = null, CommandStatus status = CommandStatus.Pending, int fanInTotal = 0) =>
        Build(spec, now, registry, maxPayloadBytes, parent, awaitedBy, status, fanInTotal);

    private static CommandInstance Build(CommandSpec spec, DateTimeOffset now, HandlerRegistry? registry, int maxPayloadBytes,
        CommandInstance? parent, Guid? awaitedBy, CommandStatus status, int fanInTotal)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Registration? handler = null;
        registry?.TryGet(spec.Name, out handler);

        Check(spec.Delay is null || spec.Delay >= TimeSpan.Zero, spec, "Delay must not be negative");
        Check(spec.Period is null || spec.Period > TimeSpan.Zero, spec, "Period must be positive");
        Check(spec.Timeout is null || spec.Timeout > TimeSpan.Zero, spec, "Timeout must be positive");
        Check(spec.Deadline is null || spec.Deadline > TimeSpan.Zero, spec, "Deadline must be positive");
        Check(spec.Retries is null || spec.Retries >= 0, spec, "Retries must not be negative");
        Check(spec.UniqueKey is null || !string.IsNullOrWhiteSpace(spec.UniqueKey), spec, "UniqueKey must not be blank");
        foreach (var step in spec.Sequence)
        {
            Check(CommandNames.IsValid(step), spec, $"sequence step '{step}' is not a valid command name");
        }

        foreach (var tag in spec.Tags)
        {
            Check(!string.IsNullOrWhiteSpace(tag), spec, "tags must not be blank");
            CheckKey(tag, "a tag", spec);
        }

        CheckKey(spec.UniqueKey, "UniqueKey", spec);
        CheckKey(spec.CorrelationId, "CorrelationId", spec);
        CheckKey(spec.TraceId, "TraceId", spec);
        CheckKey(spec.CronTimeZone, "CronTimeZone", spec);

        if (spec.Cron is not null)
        {
            try
            {
                CronSchedule.Validate(spec.Cron, spec.CronTimeZone);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Invalid spec for '{spec.Name}': {ex.Message}", nameof(spec), ex);
            }
        }

        // Serialized once here and stored as is: the limit is checked on the bytes that would be written, before any
        // store sees them, so one oversized payload cannot bloat rows, claims and dashboard pages.
        var payload = spec.Data.ToUtf8Json();
        if (payload.Length > maxPayloadBytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Invalid spec for '{spec.Name}': its payload is {payload.Length:N0} bytes of JSON, more than ExecutorOptions.MaxPayloadBytes ({maxPayloadBytes:N0}). ") +
                "Keep large data elsewhere (a blob store, a table of your own) and put its key in the payload, or raise the limit.", nameof(spec));
        }

        var id = CommandIds.New(now);
        var cron = spec.Cron ?? handler?.Cron;
        var cronZone = spec.Cron is not null ? spec.CronTimeZone : handler?.CronTimeZone;
        var readyAt = spec.RunAt
            ?? (spec.Delay is { } delay ? now + delay : (DateTimeOffset?)null)
            ?? (cron is not null ? CronSchedule.Next(cron, cronZone, now) : null)
            ?? now;

        var tags = handler is { Tags.Count: > 0 }
            ? spec.Tags.Concat(handler.Tags).Distinct(StringComparer.Ordinal).ToArray()
            : spec.Tags.Count == 0 ? [] : spec.Tags.Distinct(StringComparer.Ordinal).ToArray();

        return new CommandInstance
        {
            Id = id,
            Name = spec.Name,
            Status = status,
            Payload = payload,
            Retries = spec.Retries,
            Sequence = spec.Sequence.Count == 0 ? [] : spec.Sequence.ToArray(),
            ParentId = parent?.Id,
            Priority = spec.Priority ?? handler?.Priority ?? 0,
            Tags = tags,
            UniqueKey = spec.UniqueKey,
            TraceId = spec.TraceId ?? parent?.TraceId ?? CurrentTraceId(),
            TraceParent = CurrentTraceParent() ?? parent?.TraceParent,
            CorrelationId = spec.CorrelationId ?? parent?.CorrelationId ?? parent?.Id.ToString() ?? id.ToString(),
            CreatedAt = now,
            ReadyAt = readyAt,
            DeadlineAt = spec.DeadlineAt ?? (spec.Deadline is { } deadline ? now + deadline : null),
            Timeout = spec.Timeout,
            Period = spec.Period,
            Cron = spec.Cron,
            CronTimeZone = spec.Cron is null ? null : spec.CronTimeZone,
            AwaitedBy = awaitedBy,
            FanInTotal = fanInTotal,
            FanInPending = fanInTotal,
        };
    }

    /// <summary>The current span's W3C trace id (an enqueue span, a caller's request span, or the attempt spawning it).</summary>
    private static string? CurrentTraceId() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.TraceId.ToHexString() : null;

    private static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Values that stores index or compare as text: no NUL (PostgreSQL's text cannot hold it) and at most
    /// <see cref="CommandSpec.MaxKeyBytes"/> (a PostgreSQL index entry cannot exceed about 2.7 kB), checked here so every
    /// store refuses the same values with the same message instead of one failing deep in its SQL.
    /// </summary>
    private static void CheckKey(string? value, string what, CommandSpec spec)
    {
        if (value is null)
        {
            return;
        }

        Check(!value.Contains('\0', StringComparison.Ordinal), spec, $"{what} contains a NUL character (\\0), which stored text cannot hold");
        var bytes = Encoding.UTF8.GetByteCount(value);
        Check(bytes <= CommandSpec.MaxKeyBytes, spec, string.Create(CultureInfo.InvariantCulture,
            $"{what} is {bytes:N0} bytes of UTF-8, more than the {CommandSpec.MaxKeyBytes:N0} allowed (stores index it)"));
    }

    private static void Check(bool condition, CommandSpec spec, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid spec for '{spec.Name}': {problem}.", nameof(spec));
        }
    }
}
