using System.Text.Json.Serialization.Metadata;

namespace Durex;

/// <summary>
/// The blueprint of a command to enqueue: which handler runs it, with what payload, when, and under which policies.
/// </summary>
/// <remarks>
/// Every optional value left <see langword="null"/> falls back to the handler's defaults (set at registration) and
/// then to the executor's defaults, resolved where the command runs. An explicit value always wins, including
/// <c>Retries = 0</c> or <c>Priority = 0</c>.
/// </remarks>
public sealed class CommandSpec
{
    /// <summary>
    /// Longest tag, <see cref="UniqueKey"/>, <see cref="CorrelationId"/>, <see cref="TraceId"/> and
    /// <see cref="CronTimeZone"/>, in bytes of UTF-8: stores index these, and a PostgreSQL index entry cannot exceed about
    /// 2.7 kB. Longer values, and values containing NUL, are refused at enqueue on every store.
    /// </summary>
    public const int MaxKeyBytes = 1024;

    private CommandData _data = new();
    private IList<string> _sequence = new List<string>();
    private IList<string> _tags = new List<string>();

    /// <summary>Creates a spec for the handler registered under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or has characters outside letters, digits and <c>_ - . : /</c>.</exception>
    public CommandSpec(string name)
    {
        CommandNames.Validate(name, nameof(name));
        Name = name;
    }

    /// <summary>Creates a spec whose payload is a typed value serialized with source-generated metadata.</summary>
    public static CommandSpec Create<T>(string name, T payload, JsonTypeInfo<T> typeInfo) =>
        new(name) { Data = CommandData.From(payload, typeInfo) };

    /// <summary>The handler name.</summary>
    public string Name { get; }

    /// <summary>The payload (a JSON object by default). Collection initializers work: <c>Data = { ["to"] = "a@b.c" }</c>.</summary>
    public CommandData Data
    {
        get => _data;
        set => _data = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Run no earlier than this long after enqueueing.</summary>
    public TimeSpan? Delay { get; set; }

    /// <summary>Run no earlier than this instant (wins over <see cref="Delay"/>).</summary>
    public DateTimeOffset? RunAt { get; set; }

    /// <summary>Interval used when the handler returns <see cref="CommandResult.Repeat()"/>.</summary>
    public TimeSpan? Period { get; set; }

    /// <summary>
    /// Cron expression (5 fields, or 6 with seconds) used when the handler returns <see cref="CommandResult.Repeat()"/>;
    /// wins over <see cref="Period"/>. When set and no <see cref="Delay"/>/<see cref="RunAt"/> is given, the first run is
    /// the first occurrence after enqueueing.
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>Time zone of <see cref="Cron"/> (an IANA or Windows id such as <c>Europe/Paris</c>); UTC when null.</summary>
    public string? CronTimeZone { get; set; }

    /// <summary>Limit for one attempt; the handler's token is cancelled and the attempt counts as failed.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>No attempt (first, retry or repeat) starts later than this long after enqueueing.</summary>
    public TimeSpan? Deadline { get; set; }

    /// <summary>No attempt starts after this instant (wins over <see cref="Deadline"/>).</summary>
    public DateTimeOffset? DeadlineAt { get; set; }

    /// <summary>Retries after the first attempt: <c>Retries = 3</c> allows up to 4 attempts.</summary>
    public int? Retries { get; set; }

    /// <summary>Handler names to run after this one, each receiving the data of the previous step (see <see cref="CommandContext.ContinueSequence"/>).</summary>
    public IList<string> Sequence
    {
        get => _sequence;
        set => _sequence = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Higher runs first among ready commands.</summary>
    public int? Priority { get; set; }

    /// <summary>Labels for querying and bulk cancellation.</summary>
    public IList<string> Tags
    {
        get => _tags;
        set => _tags = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>While a command with this key is active, adding another fails with <see cref="DuplicateCommandException"/>.</summary>
    public string? UniqueKey { get; set; }

    /// <summary>Trace id; inherited by every child, sequence step and continuation.</summary>
    public string? TraceId { get; set; }

    /// <summary>Correlation id linking a workflow's commands; defaults to the root command's id and is inherited by every descendant.</summary>
    public string? CorrelationId { get; set; }

    /// <summary>A copy that shares nothing mutable with this spec.</summary>
    public CommandSpec Clone() => new(Name)
    {
        Data = Data.Clone(),
        Delay = Delay,
        RunAt = RunAt,
        Period = Period,
        Cron = Cron,
        CronTimeZone = CronTimeZone,
        Timeout = Timeout,
        Deadline = Deadline,
        DeadlineAt = DeadlineAt,
        Retries = Retries,
        Sequence = new List<string>(Sequence),
        Priority = Priority,
        Tags = new List<string>(Tags),
        UniqueKey = UniqueKey,
        TraceId = TraceId,
        CorrelationId = CorrelationId,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Data}";
}
