namespace Durex.Dashboard;

/// <summary>
/// Throughput from the store's own counts. The store keeps no per-minute counters, but its statistics query (the one
/// behind <see cref="Executor.GetStatisticsAsync"/>, which every refresh runs anyway) counts commands per status. The
/// dashboard samples those counts every <see cref="DurexDashboardOptions.ThroughputSampleInterval"/> and reports the
/// growth of <c>COMPLETED</c> (completed) and of <c>FAILED</c> + <c>DEAD_LETTER</c> (failed) between samples. That
/// counts every instance's work on a shared store, costs no query of its own, and works in a process that only
/// enqueues. Limits: it starts when the dashboard is mapped (no history from before); a count that shrinks
/// (retention, purge, a retry or replay) adds nothing for that interval instead of a negative figure; a repeating
/// command's runs do not reach <c>COMPLETED</c> and are not counted.
/// </summary>
internal sealed class ThroughputSampler
{
    private readonly object _gate = new();
    private readonly TimeSpan _interval;
    private readonly TimeSpan _window;
    private readonly LinkedList<Sample> _samples = new();

    public ThroughputSampler(TimeSpan interval, TimeSpan window)
    {
        _interval = interval;
        _window = window;
    }

    private readonly record struct Sample(DateTimeOffset At, long Completed, long Failed);

    /// <summary>Records a sample of the counts unless the last one is younger than half an interval (several viewers poll at once).</summary>
    public void Record(IReadOnlyDictionary<CommandStatus, long> counts, DateTimeOffset now)
    {
        var sample = new Sample(now,
            counts.GetValueOrDefault(CommandStatus.Completed),
            counts.GetValueOrDefault(CommandStatus.Failed) + counts.GetValueOrDefault(CommandStatus.DeadLetter));
        lock (_gate)
        {
            if (_samples.Last is { } last && now - last.Value.At < _interval / 2 && now >= last.Value.At)
            {
                return;
            }

            _samples.AddLast(sample);
            // Keep one sample older than the window, so the first point covers the window's start.
            while (_samples.Count > 2 && now - _samples.First!.Next!.Value.At > _window)
            {
                _samples.RemoveFirst();
            }
        }
    }

    /// <summary>The figures at <paramref name="now"/>.</summary>
    public ThroughputDto Snapshot(DateTimeOffset now)
    {
        Sample[] samples;
        lock (_gate)
        {
            samples = [.. _samples];
        }

        var points = new List<ThroughputPointDto>(Math.Max(0, samples.Length - 1));
        for (var i = 1; i < samples.Length; i++)
        {
            var (previous, current) = (samples[i - 1], samples[i]);
            var seconds = (current.At - previous.At).TotalSeconds;
            if (seconds <= 0)
            {
                continue; // the clock went back: skip rather than divide by zero
            }

            points.Add(new ThroughputPointDto(current.At, seconds,
                Math.Max(0, current.Completed - previous.Completed),
                Math.Max(0, current.Failed - previous.Failed)));
        }

        var (completed1, failed1) = PerMinute(points, now, TimeSpan.FromMinutes(1));
        var (completed5, failed5) = PerMinute(points, now, TimeSpan.FromMinutes(5));
        return new ThroughputDto(_interval.TotalSeconds, _window.TotalSeconds, completed1, failed1, completed5, failed5, points);
    }

    /// <summary>Rates over the points that end within <paramref name="span"/> of now; null before there is any point.</summary>
    private static (double? Completed, double? Failed) PerMinute(List<ThroughputPointDto> points, DateTimeOffset now, TimeSpan span)
    {
        double seconds = 0;
        long completed = 0, failed = 0;
        for (var i = points.Count - 1; i >= 0 && now - points[i].At < span; i--)
        {
            seconds += points[i].Seconds;
            completed += points[i].Completed;
            failed += points[i].Failed;
        }

        if (seconds <= 0)
        {
            return (null, null);
        }

        return (Math.Round(completed * 60 / seconds, 2), Math.Round(failed * 60 / seconds, 2));
    }
}
