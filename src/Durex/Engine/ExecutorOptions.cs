using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durex;

/// <summary>Executor settings. Every value has a sensible default; see docs/configuration.md for the full reference.</summary>
public sealed class ExecutorOptions
{
    private readonly List<CommandMiddleware> _middleware = [];

    /// <summary>Number of attempts that run at once (worker count). Default 4.</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>Retries for commands whose spec and handler set none. Default 0.</summary>
    public int DefaultRetries { get; set; }

    /// <summary>Per-attempt timeout for commands whose spec and handler set none. Default: none.</summary>
    public TimeSpan? DefaultTimeout { get; set; }

    /// <summary>Repeat interval for commands that return Repeat without a period or cron. Default 1 minute.</summary>
    public TimeSpan DefaultPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Delay between retries for handlers that set no backoff of their own. Default: retry immediately.</summary>
    public IBackoffStrategy Backoff { get; set; } = Durex.Backoff.None;

    /// <summary>How long <see cref="Executor.StopAsync"/> lets running attempts finish before cancelling them. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Safety-net poll interval: the producer wakes on enqueue signals and ready times, and at least this often. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Most commands claimed in one store round trip. Default 100. An executor holds at most
    /// <see cref="Parallelism"/> + 2 × this many commands (running, waiting for a worker, or waiting for their outcome to be written).
    /// </summary>
    public int ClaimBatchSize { get; set; } = 100;

    /// <summary>Most outcomes applied in one store round trip. Default 500.</summary>
    public int ApplyBatchSize { get; set; } = 500;

    /// <summary>Lease taken by a claim; running commands renew it at a third of this. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest payload a command may carry, in bytes of UTF-8 JSON: 1 MiB (1,048,576) by default.</summary>
    public const int DefaultMaxPayloadBytes = 1024 * 1024;

    /// <summary>
    /// Largest payload (UTF-8 JSON bytes) of a new command. Checked where commands are built — <see cref="Executor.AddAsync"/>,
    /// <see cref="Executor.AddManyAsync"/>, <see cref="Executor.CreateCommand"/> (transactional enqueue) and the commands a
    /// result spawns — so an oversized payload fails at enqueue with an <see cref="ArgumentException"/> naming the command
    /// and both sizes, instead of bloating every row, claim and page that carries it. Default
    /// <see cref="DefaultMaxPayloadBytes"/> (1 MiB).
    /// </summary>
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;

    /// <summary>Clock used for every time decision. Tests pass a <c>FakeTimeProvider</c>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Source of the executor's loggers. Default: none.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Name of this executor instance, recorded as lease owner. Default: machine name, process id and a random suffix.</summary>
    public string? InstanceName { get; set; }

    /// <summary>Called after a command failed for good (not for attempts that will be retried).</summary>
    public CommandErrorHandler? ErrorHandler { get; set; }

    /// <summary>Commands that fail for good go to <see cref="CommandStatus.DeadLetter"/> (kept until replayed or purged) instead of <see cref="CommandStatus.Failed"/>. Default off.</summary>
    public bool DeadLetterQueue { get; set; }

    /// <summary>Enables the dead-letter queue (<see cref="DeadLetterQueue"/>).</summary>
    public ExecutorOptions UseDeadLetterQueue()
    {
        DeadLetterQueue = true;
        return this;
    }

    /// <summary>The default of <see cref="MaxRescues"/>.</summary>
    public const int DefaultMaxRescues = 3;

    /// <summary>
    /// How many attempts of a command lost with a dead executor (its lease expired and was rescued) are not counted
    /// against the command's retries. A claim counts an attempt, and an executor holds a few claimed commands before it
    /// starts them, so a crash would otherwise use up retries (all of them, with the default of none) for attempts that
    /// never ran. Beyond this many rescues the lost attempts count again, so a handler that keeps killing its process
    /// fails in the end instead of running forever. Default <see cref="DefaultMaxRescues"/>; 0 counts every lost attempt.
    /// </summary>
    public int MaxRescues { get; set; } = DefaultMaxRescues;

    /// <summary>How often expired leases of dead executors are looked for and rescued. Default: half of <see cref="LeaseDuration"/>.</summary>
    public TimeSpan? RescueInterval { get; set; }

    /// <summary>
    /// The Go library's <c>WithStuckCommandRecovery(interval, threshold)</c>: commands whose executor stopped renewing
    /// their lease for <paramref name="threshold"/> are rescued, checked every <paramref name="interval"/>. Leases make
    /// this safe: a command whose executor is alive is never rescued, however long it runs.
    /// </summary>
    public ExecutorOptions UseStuckCommandRecovery(TimeSpan interval, TimeSpan threshold)
    {
        RescueInterval = interval;
        LeaseDuration = threshold;
        return this;
    }

    /// <summary>Most attempts of one command name running at once in this executor (Go: <c>WithRateLimit</c>).</summary>
    public IDictionary<string, int> ConcurrencyLimits { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Most attempts running at once in this executor across all names (Go: <c>WithGlobalRateLimit</c>). Default: <see cref="Parallelism"/>.</summary>
    public int? GlobalConcurrencyLimit { get; set; }

    /// <summary>Limits how many commands named <paramref name="name"/> run at once; the others wait in the store meanwhile.</summary>
    public ExecutorOptions LimitConcurrency(string name, int max)
    {
        CommandNames.Validate(name, nameof(name));
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ConcurrencyLimits[name] = max;
        return this;
    }

    /// <summary>Limits how many commands run at once across all names.</summary>
    public ExecutorOptions LimitGlobalConcurrency(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        GlobalConcurrencyLimit = max;
        return this;
    }

    /// <summary>How long terminal commands are kept, per status, and how often retention runs.</summary>
    public RetentionOptions Retention { get; } = new();

    /// <summary>
    /// Commands enqueued at every start unless one with the same unique key is active (default key
    /// <c>durex:permanent:&lt;name&gt;</c>), typically repeating ones: <c>o.PermanentCommands.Add(new CommandSpec("cleanup") { Cron = "0 3 * * *" })</c>.
    /// </summary>
    public IList<CommandSpec> PermanentCommands { get; } = new List<CommandSpec>();

    /// <summary>
    /// Services for handlers (exposed as <see cref="CommandContext.Services"/>). When it provides an
    /// <see cref="Microsoft.Extensions.DependencyInjection.IServiceScopeFactory"/>, each attempt gets its own scope (scoped
    /// services such as a DbContext live for one attempt) and <see cref="CommandContext.Services"/> is that scope's provider.
    /// </summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>
    /// Creates the executor's <see cref="System.Diagnostics.Metrics.Meter"/> (the host's factory, under dependency
    /// injection). Default: the executor creates and disposes its own.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// How often the store gauges (queue size, oldest ready age, dead letters, counts per status) are refreshed while a
    /// metrics listener observes them. Each refresh is one statistics query. Default 15 s.
    /// </summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Middleware in registration order: the first is the outermost.</summary>
    public IReadOnlyList<CommandMiddleware> Middleware => _middleware;

    /// <summary>Adds middleware around every attempt (the first added runs first).</summary>
    public ExecutorOptions UseMiddleware(CommandMiddleware middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>Sets <see cref="ErrorHandler"/>.</summary>
    public ExecutorOptions OnError(CommandErrorHandler handler)
    {
        ErrorHandler = handler ?? throw new ArgumentNullException(nameof(handler));
        return this;
    }

    /// <summary>Throws a clear <see cref="ArgumentException"/> for any invalid setting.</summary>
    public void Validate()
    {
        Check(Parallelism >= 1, nameof(Parallelism), $"must be at least 1 (was {Parallelism})");
        Check(DefaultRetries >= 0, nameof(DefaultRetries), $"must not be negative (was {DefaultRetries})");
        Check(DefaultTimeout is null || DefaultTimeout > TimeSpan.Zero, nameof(DefaultTimeout), "must be positive when set");
        Check(DefaultPeriod > TimeSpan.Zero, nameof(DefaultPeriod), "must be positive");
        Check(ShutdownTimeout >= TimeSpan.Zero, nameof(ShutdownTimeout), "must not be negative");
        Check(PollInterval > TimeSpan.Zero, nameof(PollInterval), "must be positive");
        Check(ClaimBatchSize >= 1, nameof(ClaimBatchSize), $"must be at least 1 (was {ClaimBatchSize})");
        Check(ApplyBatchSize >= 1, nameof(ApplyBatchSize), $"must be at least 1 (was {ApplyBatchSize})");
        Check(LeaseDuration >= TimeSpan.FromSeconds(1), nameof(LeaseDuration), "must be at least one second");
        Check(StatisticsInterval > TimeSpan.Zero, nameof(StatisticsInterval), "must be positive");
        Check(InstanceName is null || !InstanceName.Contains('\0', StringComparison.Ordinal), nameof(InstanceName), "must not contain a NUL character (\\0)");
        Check(MaxPayloadBytes >= 1, nameof(MaxPayloadBytes), $"must be at least 1 (was {MaxPayloadBytes})");
        Check(MaxRescues >= 0, nameof(MaxRescues), $"must not be negative (was {MaxRescues})");
        Check(RescueInterval is null || RescueInterval > TimeSpan.Zero, nameof(RescueInterval), "must be positive when set");
        Check(GlobalConcurrencyLimit is null || GlobalConcurrencyLimit >= 1, nameof(GlobalConcurrencyLimit), "must be at least 1 when set");
        foreach (var (name, limit) in ConcurrencyLimits)
        {
            Check(CommandNames.IsValid(name), nameof(ConcurrencyLimits), $"has an invalid command name '{name}'");
            Check(limit >= 1, nameof(ConcurrencyLimits), $"for '{name}' must be at least 1 (was {limit})");
        }

        Retention.Validate();
        ArgumentNullException.ThrowIfNull(Backoff, nameof(Backoff));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
    }

    private static void Check(bool condition, string name, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"ExecutorOptions.{name} {problem}.", name);
        }
    }
}
