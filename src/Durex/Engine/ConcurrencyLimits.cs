using System.Threading.RateLimiting;

namespace Durex.Engine;

/// <summary>
/// Per-name and global concurrency limits of one executor, on <see cref="ConcurrencyLimiter"/>. Permits are taken when
/// a command is claimed and given back when its attempt ends, and claims ask the store only for what the limits allow —
/// so a limited command waits in the store while other commands run, and no worker ever blocks on a permit.
/// </summary>
internal sealed class ConcurrencyLimits : IDisposable
{
    private readonly Dictionary<string, (int Limit, ConcurrencyLimiter Limiter)> _perName;
    private readonly ConcurrencyLimiter? _global;

    public ConcurrencyLimits(IReadOnlyDictionary<string, int> perName, int? global)
    {
        _perName = perName.ToDictionary(kv => kv.Key, kv => (kv.Value, NewLimiter(kv.Value)), StringComparer.Ordinal);
        GlobalLimit = global;
        _global = global is { } g ? NewLimiter(g) : null;
    }

    public int? GlobalLimit { get; }

    public IReadOnlyCollection<string> LimitedNames => _perName.Keys;

    public bool IsEmpty => _global is null && _perName.Count == 0;

    /// <summary>How many more commands the global limit allows now.</summary>
    public int GlobalAvailable => _global is null ? int.MaxValue : (int)_global.GetStatistics()!.CurrentAvailablePermits;

    public int GlobalCurrent => _global is null ? 0 : GlobalLimit!.Value - GlobalAvailable;

    /// <summary>For each limited name, how many more may be claimed now; null when no name is limited.</summary>
    public IReadOnlyDictionary<string, int>? RemainingCapacity()
    {
        if (_perName.Count == 0)
        {
            return null;
        }

        var remaining = new Dictionary<string, int>(_perName.Count, StringComparer.Ordinal);
        foreach (var (name, entry) in _perName)
        {
            remaining[name] = (int)entry.Limiter.GetStatistics()!.CurrentAvailablePermits;
        }

        return remaining;
    }

    public (int Limit, int Current) ForName(string name)
    {
        var entry = _perName[name];
        return (entry.Limit, entry.Limit - (int)entry.Limiter.GetStatistics()!.CurrentAvailablePermits);
    }

    /// <summary>Takes the permits for a claimed command; null if a limit is reached (the command must be released).</summary>
    public Permit? TryAcquire(string name)
    {
        RateLimitLease? global = null;
        if (_global is not null)
        {
            global = _global.AttemptAcquire();
            if (!global.IsAcquired)
            {
                global.Dispose();
                return null;
            }
        }

        RateLimitLease? perName = null;
        if (_perName.TryGetValue(name, out var entry))
        {
            perName = entry.Limiter.AttemptAcquire();
            if (!perName.IsAcquired)
            {
                perName.Dispose();
                global?.Dispose();
                return null;
            }
        }

        return new Permit(global, perName);
    }

    public void Dispose()
    {
        _global?.Dispose();
        foreach (var (_, entry) in _perName)
        {
            entry.Limiter.Dispose();
        }
    }

    private static ConcurrencyLimiter NewLimiter(int permits) =>
        new(new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 });

    /// <summary>The permits one command holds; disposing gives them back (idempotent).</summary>
    internal sealed class Permit(RateLimitLease? global, RateLimitLease? perName) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                perName?.Dispose();
                global?.Dispose();
            }
        }
    }
}
