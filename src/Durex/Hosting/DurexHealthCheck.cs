using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Durex.Hosting;

/// <summary>
/// Health check of the container's <see cref="Executor"/> (see <see cref="DurexHealth.CheckHealthAsync"/>): Unhealthy
/// (reported as the registration's failure status) when not started or the store is unreachable, Degraded while
/// stopping or when the queue is older than <see cref="MaxQueueAge"/>, Healthy otherwise. The result's data carries the
/// Go endpoint's fields (<see cref="DurexHealthReport.ToDictionary"/>).
/// </summary>
public sealed class DurexHealthCheck : IHealthCheck
{
    private readonly Executor _executor;

    /// <summary>Checks <paramref name="executor"/>.</summary>
    /// <param name="executor">The executor to check.</param>
    /// <param name="maxQueueAge">The longest a ready command may wait before the check reports Degraded; <see langword="null"/> ignores the queue's age.</param>
    public DurexHealthCheck(Executor executor, TimeSpan? maxQueueAge = null)
    {
        _executor = executor ?? throw new ArgumentNullException(nameof(executor));
        if (maxQueueAge is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, TimeSpan.Zero, nameof(maxQueueAge));
        }

        MaxQueueAge = maxQueueAge;
    }

    /// <summary>The longest a ready command may wait before the check reports Degraded.</summary>
    public TimeSpan? MaxQueueAge { get; }

    /// <summary>How long the store gets to answer. Default <see cref="DurexHealth.DefaultStorageTimeout"/> (5 s).</summary>
    public TimeSpan StorageTimeout { get; init; } = DurexHealth.DefaultStorageTimeout;

    /// <summary>
    /// Whether the executor should be running. <see langword="false"/> for a client-only process (<c>AddDurexClient</c>),
    /// where only the store and the queue's age count. Default <see langword="true"/>.
    /// </summary>
    public bool ExpectRunning { get; init; } = true;

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = await _executor.CheckHealthAsync(MaxQueueAge, StorageTimeout, ExpectRunning, cancellationToken).ConfigureAwait(false);
        var data = report.ToDictionary();
        return report.Status switch
        {
            DurexHealthStatus.Healthy => HealthCheckResult.Healthy(report.Started ? "Durex executor running" : "Durex store reachable (client only)", data),
            DurexHealthStatus.Degraded => HealthCheckResult.Degraded(report.Message, report.Error, data),
            _ => new HealthCheckResult(context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy, report.Message, report.Error, data),
        };
    }
}
