using System.Text;
using Durex.Storage;

namespace Durex.Conformance;

/// <summary>Builds command rows for store-level tests.</summary>
public sealed class Builder(string name, DateTimeOffset now)
{
    private CommandInstance _command = new()
    {
        Id = CommandIds.New(now),
        Name = name,
        CreatedAt = now,
        ReadyAt = now,
        CorrelationId = null,
    };

    public Builder With(Func<CommandInstance, CommandInstance> change)
    {
        _command = change(_command);
        return this;
    }

    public Builder ReadyAt(DateTimeOffset readyAt) => With(c => Copy(c, readyAt: readyAt));

    public Builder Priority(int priority) => With(c => Copy(c, priority: priority));

    public Builder UniqueKey(string key) => With(c => Copy(c, uniqueKey: key));

    public Builder Tags(params string[] tags) => With(c => Copy(c, tags: tags));

    public Builder Correlation(string id) => With(c => Copy(c, correlationId: id));

    public Builder Status(CommandStatus status) => With(c => Copy(c, status: status));

    public Builder FanIn(int total) => With(c => Copy(c, fanInTotal: total));

    public Builder AwaitedBy(Guid id) => With(c => Copy(c, awaitedBy: id));

    public Builder Parent(CommandInstance parent) => With(c => Copy(c, parentId: parent.Id, correlationId: parent.CorrelationId ?? parent.Id.ToString()));

    public Builder Payload(string json) => With(c => Copy(c, payload: Encoding.UTF8.GetBytes(json)));

    public CommandInstance Build() => _command;

    private static CommandInstance Copy(CommandInstance c, DateTimeOffset? readyAt = null, int? priority = null, string? uniqueKey = null,
        string[]? tags = null, string? correlationId = null, CommandStatus? status = null, int? fanInTotal = null, Guid? awaitedBy = null,
        Guid? parentId = null, byte[]? payload = null) => new()
    {
        Id = c.Id,
        Name = c.Name,
        Status = status ?? c.Status,
        Payload = payload ?? c.Payload,
        Retries = c.Retries,
        Sequence = c.Sequence,
        ParentId = parentId ?? c.ParentId,
        Priority = priority ?? c.Priority,
        Tags = tags ?? c.Tags,
        UniqueKey = uniqueKey ?? c.UniqueKey,
        TraceId = c.TraceId,
        TraceParent = c.TraceParent,
        CorrelationId = correlationId ?? c.CorrelationId,
        CreatedAt = c.CreatedAt,
        ReadyAt = readyAt ?? c.ReadyAt,
        DeadlineAt = c.DeadlineAt,
        Timeout = c.Timeout,
        Period = c.Period,
        Cron = c.Cron,
        CronTimeZone = c.CronTimeZone,
        AwaitedBy = awaitedBy ?? c.AwaitedBy,
        FanInTotal = fanInTotal ?? c.FanInTotal,
        FanInPending = fanInTotal ?? c.FanInPending,
    };
}

/// <summary>Builds outcomes for store-level tests.</summary>
public sealed class OutcomeBuilder(CommandInstance claimed, CommandStatus status, DateTimeOffset at)
{
    private readonly List<HistoryEvent> _events = [];
    private readonly List<CommandInstance> _spawn = [];
    private DateTimeOffset? _readyAt;
    private int _attempt = claimed.Attempt;
    private string? _error;
    private ReadOnlyMemory<byte>? _payload;

    public OutcomeBuilder ReadyAt(DateTimeOffset readyAt)
    {
        _readyAt = readyAt;
        return this;
    }

    public OutcomeBuilder Attempt(int attempt)
    {
        _attempt = attempt;
        return this;
    }

    public OutcomeBuilder Error(string? error)
    {
        _error = error;
        return this;
    }

    public OutcomeBuilder Payload(string json)
    {
        _payload = Encoding.UTF8.GetBytes(json);
        return this;
    }

    public OutcomeBuilder Event(HistoryEventType type, DateTimeOffset when, string? error = null, TimeSpan? duration = null, string? message = null)
    {
        _events.Add(new HistoryEvent(claimed.Id, type, when, claimed.Attempt, error, duration, message));
        return this;
    }

    public OutcomeBuilder Spawn(params CommandInstance[] commands)
    {
        _spawn.AddRange(commands);
        return this;
    }

    public CommandOutcome Build() => new()
    {
        CommandId = claimed.Id,
        LeaseId = claimed.LeaseId ?? throw new InvalidOperationException("Only claimed commands have outcomes."),
        Status = status,
        Attempt = _attempt,
        ReadyAt = _readyAt ?? at,
        CompletedAt = status.IsTerminal() ? at : null,
        Error = _error,
        Payload = _payload,
        Events = _events,
        NewCommands = _spawn,
    };
}
