using System.Collections.Frozen;

namespace Durex;

/// <summary>A registered handler with its defaults, ready to run.</summary>
internal sealed class Registration
{
    public required string Name { get; init; }

    public required CommandHandler Execute { get; init; }

    public RecoverHandler? Recover { get; init; }

    public ExpiredHandler? Expired { get; init; }

    public int? Retries { get; init; }

    public TimeSpan? Timeout { get; init; }

    public TimeSpan? Deadline { get; init; }

    public TimeSpan? Period { get; init; }

    public string? Cron { get; init; }

    public string? CronTimeZone { get; init; }

    public int? Priority { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IBackoffStrategy? Backoff { get; init; }

    public static Registration Create(string name, CommandHandler execute, CommandOptions options) => new()
    {
        Name = name,
        Execute = execute,
        Recover = options.RecoverValue,
        Expired = options.ExpiredValue,
        Retries = options.RetriesValue,
        Timeout = options.TimeoutValue,
        Deadline = options.DeadlineValue,
        Period = options.PeriodValue,
        Cron = options.CronValue,
        CronTimeZone = options.CronTimeZoneValue,
        Priority = options.PriorityValue,
        Tags = options.TagsValue.ToArray(),
        Backoff = options.BackoffValue,
    };
}

/// <summary>Name → handler map. Mutable until the executor starts, then frozen for lock-free lookups.</summary>
internal sealed class HandlerRegistry
{
    private readonly Dictionary<string, Registration> _building = new(StringComparer.Ordinal);
    private FrozenDictionary<string, Registration>? _frozen;

    public IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>?)_frozen?.Keys ?? _building.Keys;

    public int Count => _frozen?.Count ?? _building.Count;

    public void Add(Registration registration)
    {
        lock (_building)
        {
            if (_frozen is not null)
            {
                throw new InvalidOperationException(
                    $"Cannot register '{registration.Name}': handlers must be registered before the executor starts (stop it first).");
            }

            if (!_building.TryAdd(registration.Name, registration))
            {
                throw new InvalidOperationException($"A handler named '{registration.Name}' is already registered. Command names must be unique.");
            }
        }
    }

    public bool TryGet(string name, out Registration registration)
    {
        var frozen = _frozen;
        if (frozen is not null)
        {
            return frozen.TryGetValue(name, out registration!);
        }

        lock (_building)
        {
            return _building.TryGetValue(name, out registration!);
        }
    }

    public void Freeze()
    {
        lock (_building)
        {
            _frozen ??= _building.ToFrozenDictionary(StringComparer.Ordinal);
        }
    }

    public void Unfreeze()
    {
        lock (_building)
        {
            _frozen = null;
        }
    }
}
