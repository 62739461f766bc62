using System.Diagnostics;
using System.Globalization;

namespace Durex.Benchmarks;

/// <summary>Counts handler invocations (Interlocked), so a run can prove that exactly N jobs ran.</summary>
internal sealed class JobCounter
{
    private long _value;

    public long Value => Volatile.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Reset() => Interlocked.Exchange(ref _value, 0);

    /// <summary>Until <paramref name="cancellationToken"/> is cancelled, prints the count every second to stderr.</summary>
    public async Task ReportProgressAsync(string scenario, long total, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = Value;
        while (true)
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
