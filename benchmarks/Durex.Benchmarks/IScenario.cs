namespace Durex.Benchmarks;

/// <summary>
/// One measured workload on one system and store. Adding a scenario (SQLite, PostgreSQL…) is a new class implementing
/// this interface plus one line in <see cref="Scenarios.All"/>; scenarios of the same <see cref="Group"/> run together
/// and, when both a Durex and a Hangfire result are present, are compared by drain rate.
/// </summary>
internal interface IScenario
{
    /// <summary>The name used on the command line, e.g. <c>durex-memory</c>.</summary>
    string Name { get; }

    /// <summary>The store family the scenario belongs to, e.g. <c>memory</c>; <c>-- memory</c> runs the whole group.</summary>
    string Group { get; }

    /// <summary>Which system is measured: <see cref="Systems.Durex"/> or <see cref="Systems.Hangfire"/>.</summary>
    string System { get; }

    /// <summary>One line for the usage message.</summary>
    string Description { get; }

    /// <summary>Jobs to run when no count flag is given (slower systems get fewer).</summary>
    int DefaultCount { get; }

    /// <summary>Enqueues <paramref name="count"/> no-op jobs, then runs them all and reports the timings.</summary>
    /// <param name="options">The parsed command line (workers, batch sizes, timeout…).</param>
    /// <param name="count">How many jobs to enqueue and drain.</param>
    /// <param name="cancellationToken">Cancelled on Ctrl+C.</param>
    Task<ScenarioResult> RunAsync(BenchmarkOptions options, int count, CancellationToken cancellationToken);
}

/// <summary>The systems a scenario can measure.</summary>
internal static class Systems
{
    public const string Durex = "durex";
    public const string Hangfire = "hangfire";
}

/// <summary>What one scenario run measured.</summary>
/// <param name="Scenario">The scenario name.</param>
/// <param name="Group">The scenario group (store family).</param>
/// <param name="System">The system measured.</param>
/// <param name="Count">Jobs enqueued.</param>
/// <param name="Workers">Concurrent workers.</param>
/// <param name="Enqueue">Time to enqueue all jobs (nothing running yet).</param>
/// <param name="Drain">Time from starting the processor until every job had run (startup included).</param>
/// <param name="Executed">Jobs the handler counted; must equal <paramref name="Count"/>.</param>
/// <param name="Shutdown">Time to stop the processor after the drain.</param>
/// <param name="Problem">A verification failure other than the count (e.g. the store disagrees), or null.</param>
internal sealed record ScenarioResult(
    string Scenario,
    string Group,
    string System,
    int Count,
    int Workers,
    TimeSpan Enqueue,
    TimeSpan Drain,
    long Executed,
    TimeSpan Shutdown,
    string? Problem = null)
{
    /// <summary>False when the drain timed out, ran a different number of jobs than enqueued, or reported a problem.</summary>
    public bool Verified => Executed == Count && !TimedOut && Problem is null;

    /// <summary>True when the drain did not finish within the timeout.</summary>
    public bool TimedOut { get; init; }

    /// <summary>Bytes allocated by the whole process during the measured run (enqueue + drain + shutdown).</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Garbage collections (gen0, gen1, gen2) during the measured run.</summary>
    public (int Gen0, int Gen1, int Gen2) Collections { get; init; }

    /// <summary>Total time the GC paused the process during the measured run.</summary>
    public TimeSpan GcPause { get; init; }

    public double EnqueueRate => Count / Math.Max(Enqueue.TotalSeconds, 1e-9);

    public double DrainRate => Executed / Math.Max(Drain.TotalSeconds, 1e-9);
}
