using Durex.Conformance;
using Durex.Diagnostics;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Tests;

/// <summary>The store gauges follow the store by themselves while a listener observes them.</summary>
public sealed class StatisticsSamplerTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task While_observed_the_store_gauges_are_refreshed_every_statistics_interval()
    {
        var interval = TimeSpan.FromSeconds(7); // no other engine timer uses this period
        var clock = new DelayWatchingClock(interval);
        await using var executor = new Executor(new MemoryStore(), o =>
        {
            o.TimeProvider = clock;
            o.StatisticsInterval = interval;
        });
        executor.Handle("handled", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        using var metrics = new MeasurementRecorder(executor.Meter);
        await executor.StartAsync();
        await clock.NextWait.WaitAsync(HangGuard); // the first refresh ran at start (queue empty) and the sampler waits
        Assert.Equal(0, metrics.Observe()[DurexDiagnostics.QueueSize]);
        for (var i = 0; i < 3; i++)
        {
            await executor.AddAsync(new CommandSpec("elsewhere")); // no handler here: they stay ready
        }

        // Nobody calls GetStatisticsAsync: the executor's own refresh, one interval later, moves the gauge.
        var waiting = clock.NextWait;
        clock.Advance(interval);
        await waiting.WaitAsync(HangGuard);
        Assert.Equal(3, metrics.Observe()[DurexDiagnostics.QueueSize]);
    }

    /// <summary>A fake clock that signals each time the sampler starts waiting for its next refresh.</summary>
    private sealed class DelayWatchingClock(TimeSpan interval) : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        private TaskCompletionSource _wait = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the sampler next waits a whole interval (i.e. after its next refresh).</summary>
        public Task NextWait => Volatile.Read(ref _wait).Task;

        public void Advance(TimeSpan by) => _fake.Advance(by);

        public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = _fake.CreateTimer(callback, state, dueTime, period);
            if (dueTime == interval)
            {
                Interlocked.Exchange(ref _wait, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }

            return timer;
        }
    }
}
