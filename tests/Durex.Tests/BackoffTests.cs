namespace Durex.Tests;

public class BackoffTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void No_backoff_retries_at_once()
    {
        Assert.Equal(TimeSpan.Zero, Backoff.None.NextDelay(1));
        Assert.Equal(TimeSpan.Zero, Backoff.None.NextDelay(50));
    }

    [Fact]
    public void Constant_backoff_is_constant_and_never_negative()
    {
        Assert.All(Enumerable.Range(1, 5), a => Assert.Equal(S(5), Backoff.Constant(S(5)).NextDelay(a)));
        Assert.Equal(TimeSpan.Zero, Backoff.Constant(S(-1)).NextDelay(1));
    }

    [Fact]
    public void Linear_backoff_grows_by_the_initial_delay_up_to_the_cap()
    {
        var linear = Backoff.Linear(S(1), S(3));
        Assert.Equal([S(1), S(2), S(3), S(3)], Enumerable.Range(1, 4).Select(linear.NextDelay));
        Assert.Equal(S(100), Backoff.Linear(S(1)).NextDelay(100));
    }

    [Fact]
    public void Exponential_backoff_multiplies_up_to_the_cap()
    {
        var exponential = Backoff.Exponential(S(1), S(10));
        Assert.Equal([S(1), S(2), S(4), S(8), S(10), S(10)], Enumerable.Range(1, 6).Select(exponential.NextDelay));
        var triple = Backoff.Exponential(S(1), multiplier: 3);
        Assert.Equal([S(1), S(3), S(9)], Enumerable.Range(1, 3).Select(triple.NextDelay));
        // a multiplier of 1 or less means 2; huge attempts saturate instead of overflowing
        Assert.Equal(S(4), Backoff.Exponential(S(1), multiplier: 0.5).NextDelay(3));
        Assert.Equal(TimeSpan.MaxValue, Backoff.Exponential(S(1)).NextDelay(10_000));
    }

    [Fact]
    public void Jitter_stays_within_its_rate_and_is_reproducible_with_a_seed()
    {
        var jittered = new JitteredBackoff(Backoff.Constant(S(100)), 0.1) { Random = new Random(42) };
        var delays = Enumerable.Range(1, 200).Select(jittered.NextDelay).ToArray();
        Assert.All(delays, d => Assert.InRange(d, S(90), S(110)));
        Assert.True(delays.Distinct().Count() > 100);

        var again = new JitteredBackoff(Backoff.Constant(S(100)), 0.1) { Random = new Random(42) };
        Assert.Equal(delays, Enumerable.Range(1, 200).Select(again.NextDelay));
        Assert.Equal(S(100), Backoff.Jittered(Backoff.Constant(S(100)), 0).NextDelay(1));
        Assert.All(Enumerable.Range(1, 50).Select(new JitteredBackoff(Backoff.Constant(S(1)), 5).NextDelay),
            d => Assert.InRange(d, TimeSpan.Zero, S(2)));
    }

    [Fact]
    public void Default_exponential_is_one_second_doubling_to_five_minutes_with_ten_percent_jitter()
    {
        var strategy = Assert.IsType<JitteredBackoff>(Backoff.DefaultExponential());
        Assert.Equal(0.1, strategy.JitterRate);
        Assert.Equal(new ExponentialBackoff(S(1), TimeSpan.FromMinutes(5)), strategy.Strategy);
        Assert.InRange(strategy.NextDelay(1), S(0.9), S(1.1));
        Assert.InRange(strategy.NextDelay(30), TimeSpan.FromMinutes(4.5), TimeSpan.FromMinutes(5.5));
    }
}
