namespace Durex;

/// <summary>Computes the delay before the next attempt after a failed one.</summary>
public interface IBackoffStrategy
{
    /// <summary>Delay after attempt number <paramref name="attempt"/> (1 for the first attempt) failed.</summary>
    TimeSpan NextDelay(int attempt);
}

/// <summary>Retry immediately.</summary>
public sealed record NoBackoff : IBackoffStrategy
{
    /// <summary>The shared instance.</summary>
    public static NoBackoff Instance { get; } = new();

    /// <inheritdoc />
    public TimeSpan NextDelay(int attempt) => TimeSpan.Zero;
}

/// <summary>The same delay after every failure.</summary>
/// <param name="Delay">The delay.</param>
public sealed record ConstantBackoff(TimeSpan Delay) : IBackoffStrategy
{
    /// <inheritdoc />
    public TimeSpan NextDelay(int attempt) => Delay < TimeSpan.Zero ? TimeSpan.Zero : Delay;
}

/// <summary><c>InitialDelay × attempt</c>, capped by <see cref="MaxDelay"/> when it is positive.</summary>
/// <param name="InitialDelay">Delay after the first failure.</param>
/// <param name="MaxDelay">Cap (zero or negative: no cap).</param>
public sealed record LinearBackoff(TimeSpan InitialDelay, TimeSpan MaxDelay = default) : IBackoffStrategy
{
    /// <inheritdoc />
    public TimeSpan NextDelay(int attempt) => Backoff.Cap(InitialDelay.Ticks * (double)Math.Max(1, attempt), MaxDelay);
}

/// <summary><c>InitialDelay × Multiplier^(attempt−1)</c>, capped by <see cref="MaxDelay"/> when it is positive.</summary>
/// <param name="InitialDelay">Delay after the first failure.</param>
/// <param name="MaxDelay">Cap (zero or negative: no cap).</param>
/// <param name="Multiplier">Growth factor (values ≤ 1 mean 2).</param>
public sealed record ExponentialBackoff(TimeSpan InitialDelay, TimeSpan MaxDelay = default, double Multiplier = 2.0) : IBackoffStrategy
{
    /// <inheritdoc />
    public TimeSpan NextDelay(int attempt)
    {
        var multiplier = Multiplier > 1 ? Multiplier : 2.0;
        return Backoff.Cap(InitialDelay.Ticks * Math.Pow(multiplier, Math.Max(0, attempt - 1)), MaxDelay);
    }
}

/// <summary>Wraps a strategy with ±<see cref="JitterRate"/> of uniform randomness to avoid thundering herds.</summary>
/// <param name="Strategy">The strategy whose delays get jitter.</param>
/// <param name="JitterRate">Fraction of the delay, clamped to [0, 1].</param>
public sealed record JitteredBackoff(IBackoffStrategy Strategy, double JitterRate = 0.1) : IBackoffStrategy
{
    /// <summary>Source of randomness (replace it for reproducible tests).</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <inheritdoc />
    public TimeSpan NextDelay(int attempt)
    {
        var baseDelay = Strategy.NextDelay(attempt);
        var rate = Math.Clamp(JitterRate, 0, 1);
        if (rate == 0 || baseDelay <= TimeSpan.Zero)
        {
            return baseDelay;
        }

        var offset = (Random.NextDouble() * 2 - 1) * rate * baseDelay.Ticks;
        return TimeSpan.FromTicks(Math.Max(0, (long)(baseDelay.Ticks + offset)));
    }
}

/// <summary>Factory methods for the built-in backoff strategies.</summary>
public static class Backoff
{
    /// <summary>Retry immediately (the executor's default).</summary>
    public static IBackoffStrategy None => NoBackoff.Instance;

    /// <summary>The same delay every time.</summary>
    public static IBackoffStrategy Constant(TimeSpan delay) => new ConstantBackoff(delay);

    /// <summary>Linearly growing delay.</summary>
    public static IBackoffStrategy Linear(TimeSpan initialDelay, TimeSpan maxDelay = default) => new LinearBackoff(initialDelay, maxDelay);

    /// <summary>Exponentially growing delay.</summary>
    public static IBackoffStrategy Exponential(TimeSpan initialDelay, TimeSpan maxDelay = default, double multiplier = 2.0) =>
        new ExponentialBackoff(initialDelay, maxDelay, multiplier);

    /// <summary>Any strategy with jitter.</summary>
    public static IBackoffStrategy Jittered(IBackoffStrategy strategy, double jitterRate = 0.1) => new JitteredBackoff(strategy, jitterRate);

    /// <summary>The recommended production default: 1 s doubling up to 5 min, with ±10 % jitter.</summary>
    public static IBackoffStrategy DefaultExponential() =>
        new JitteredBackoff(new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)), 0.1);

    internal static TimeSpan Cap(double ticks, TimeSpan max)
    {
        if (double.IsNaN(ticks) || ticks <= 0)
        {
            return TimeSpan.Zero;
        }

        var cap = max > TimeSpan.Zero ? max.Ticks : TimeSpan.MaxValue.Ticks;
        return ticks >= cap ? TimeSpan.FromTicks(cap) : TimeSpan.FromTicks((long)ticks);
    }
}
