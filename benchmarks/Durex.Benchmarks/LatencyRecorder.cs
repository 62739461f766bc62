using System.Diagnostics;

namespace Durex.Benchmarks;

/// <summary>Enqueue-to-start latencies by command index; completes when every index has started once.</summary>
internal sealed class LatencyRecorder(int count)
{
    private readonly double[] _milliseconds = new double[count];
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public Task AllStarted => _all.Task;

    public int Started => Volatile.Read(ref _started);

    public void Record(int index, long enqueuedAt)
    {
        _milliseconds[index] = Stopwatch.GetElapsedTime(enqueuedAt).TotalMilliseconds;
        if (Interlocked.Increment(ref _started) == _milliseconds.Length)
        {
            _all.TrySetResult();
        }
    }

    /// <summary>The latencies from <paramref name="skip"/> on (the warm-up ones left out), sorted.</summary>
    public double[] Sorted(int skip)
    {
        var measured = _milliseconds.AsSpan(skip).ToArray();
        Array.Sort(measured);
        return measured;
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Waits for a Stopwatch timestamp: a timer for the bulk, then yields for the last millisecond or two.</summary>
    public static async Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            if (remaining > TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(remaining - TimeSpan.FromMilliseconds(1.5), cancellationToken);
            }
            else
            {
                await Task.Yield();
            }
        }
    }
}
