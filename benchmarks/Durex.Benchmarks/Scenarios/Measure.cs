using System.Diagnostics;
using Durex.Benchmarks.Backends;

namespace Durex.Benchmarks.Scenarios;

/// <summary>Wraps one measured phase: wall time, bytes allocated by the process, and the server's commits/statements.</summary>
internal sealed class Measure
{
    private readonly Func<bool, Task<ServerCounters?>> _counters;
    private ServerCounters? _before;
    private long _allocated;
    private TimeSpan _paused;
    private long _started;

    private Measure(Func<bool, Task<ServerCounters?>> counters) => _counters = counters;

    public TimeSpan Elapsed { get; private set; }

    public static async Task<Measure> StartAsync(Func<bool, Task<ServerCounters?>> counters)
    {
        var measure = new Measure(counters);
        measure._before = await counters(true);
        measure._allocated = GC.GetTotalAllocatedBytes(precise: true);
        measure._paused = GC.GetTotalPauseDuration();
        measure._started = Stopwatch.GetTimestamp();
        return measure;
    }

    /// <summary>Stops the clock (before the counters are read: reading them waits for the server's statistics).</summary>
    public void Stop() => Elapsed = Stopwatch.GetElapsedTime(_started);

    /// <summary>Adds rate, allocation and (PostgreSQL) commits and statements per job to <paramref name="result"/>.</summary>
    public async Task<Result> ReportAsync(Result result, int jobs, bool durex = true)
    {
        if (Elapsed == TimeSpan.Zero)
        {
            Stop();
        }

        result.Add("jobs_per_s", jobs / Math.Max(Elapsed.TotalSeconds, 1e-9)).Add("seconds", Elapsed.TotalSeconds, "F2");
        if (durex)
        {
            result.Add("alloc_bytes_per_job", (GC.GetTotalAllocatedBytes(precise: true) - _allocated) / (double)Math.Max(jobs, 1))
                .Add("gc_pause_share", (GC.GetTotalPauseDuration() - _paused) / Elapsed, "F2");
        }

        if (_before is { } before && await _counters(false) is { } after)
        {
            // The first reading commits one transaction of its own; statements are counted from its reset on, and the
            // second reading adds one (its pg_stat_clear_snapshot).
            result.Add("commits_per_job", (after.Commits - before.Commits - 1) / (double)jobs, "F4");
            if (after.Statements >= 0)
            {
                result.Add("statements_per_job", (after.Statements - 1) / (double)jobs, "F4");
            }
        }

        return result;
    }
}
