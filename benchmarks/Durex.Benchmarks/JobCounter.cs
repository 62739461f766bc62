using System.Diagnostics;
using System.Globalization;

namespace Durex.Benchmarks;

/// <summary>Counts handler invocations (Interlocked), so a run can prove that exactly N jobs ran, and signals a target.</summary>
internal sealed class JobCounter
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _value;
    private long _target = -1;

    public long Value => Volatile.Read(ref _value);

    public void Increment()
    {
        if (Interlocked.Increment(ref _value) == Volatile.Read(ref _target))
        {
            _reached.TrySetResult();
        }
    }

    public void Reset() => Interlocked.Exchange(ref _value, 0);

    /// <summary>Completes when the count reaches <paramref name="target"/> (one target per counter).</summary>
    public Task WhenReaches(long target)
    {
        Volatile.Write(ref _target, target);
        if (Value >= target)
        {
            _reached.TrySetResult();
        }

        return _reached.Task;
    }

    /// <summary>Prints the count every second to stderr until disposed.</summary>
    public IDisposable StartProgress(string scenario, long total)
    {
        var stop = new CancellationTokenSource();
        _ = ReportProgressAsync(scenario, total, stop.Token);
        return new Stopper(stop);
    }

    private sealed class Stopper(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose() => stop.Cancel();
    }

    private async Task ReportProgressAsync(string scenario, long total, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = Value;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = Value;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  [{scenario}] {clock.Elapsed.TotalSeconds,5:F1} s  executed {now,12:N0} / {total:N0}  (+{now - last:N0} in the last second)"));
            last = now;
        }
    }
}

internal static class TaskExtensions
{
    /// <summary>True when <paramref name="task"/> completed within <paramref name="timeout"/>, false when the time ran out.</summary>
    public static async Task<bool> WaitUntil(this Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
