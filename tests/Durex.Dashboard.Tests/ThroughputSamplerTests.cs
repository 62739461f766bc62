namespace Durex.Dashboard.Tests;

public sealed class ThroughputSamplerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Dictionary<CommandStatus, long> Counts(long completed, long failed = 0, long dead = 0) => new()
    {
        [CommandStatus.Completed] = completed,
        [CommandStatus.Failed] = failed,
        [CommandStatus.DeadLetter] = dead,
    };

    [Fact]
    public void Rates_come_from_count_growth_between_samples()
    {
        var sampler = new ThroughputSampler(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(15));
        sampler.Record(Counts(0), T0);
        sampler.Record(Counts(10, 1, 1), T0.AddSeconds(5));
        sampler.Record(Counts(20, 1, 1), T0.AddSeconds(10));
        var snapshot = sampler.Snapshot(T0.AddSeconds(10));
        Assert.Equal(2, snapshot.Points.Count);
        Assert.Equal(10, snapshot.Points[0].Completed);
        Assert.Equal(2, snapshot.Points[0].Failed); // FAILED + DEAD_LETTER
        Assert.Equal(120, snapshot.CompletedPerMinute); // 20 in 10 s
        Assert.Equal(12, snapshot.FailedPerMinute);
    }

    [Fact]
    public void Samples_closer_than_half_an_interval_are_merged_and_shrinking_counts_add_nothing()
    {
        var sampler = new ThroughputSampler(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(15));
        sampler.Record(Counts(100), T0);
        sampler.Record(Counts(150), T0.AddSeconds(2)); // a second viewer: skipped
        sampler.Record(Counts(40), T0.AddSeconds(10));   // retention deleted rows
        var snapshot = sampler.Snapshot(T0.AddSeconds(10));
        Assert.Equal(0, Assert.Single(snapshot.Points).Completed);
    }

    [Fact]
    public void Old_samples_leave_the_window_and_the_one_minute_rate_only_sees_the_last_minute()
    {
        var sampler = new ThroughputSampler(TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5));
        for (var i = 0; i <= 10; i++)
        {
            sampler.Record(Counts(i * 60), T0.AddMinutes(i)); // 60 a minute
        }

        sampler.Record(Counts(600 + 600), T0.AddMinutes(11)); // 600 in the last minute
        var snapshot = sampler.Snapshot(T0.AddMinutes(11));
        Assert.InRange(snapshot.Points.Count, 5, 6);
        Assert.Equal(600, snapshot.CompletedPerMinute);
        Assert.Equal((4 * 60 + 600) / 5.0, snapshot.CompletedPerMinute5);
    }
}
