using Durex;
using Durex.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Durex health check to <c>services.AddHealthChecks()</c>.</summary>
public static class DurexHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="DurexHealthCheck"/> of the container's <see cref="Executor"/>. Under <c>AddDurex</c> the executor
    /// must be running; under <c>AddDurexClient</c> (nothing runs in this process) only the store and the queue's age count.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Default <c>durex</c>.</param>
    /// <param name="maxQueueAge">Report Degraded when the oldest ready command waited longer; <see langword="null"/> ignores the queue's age.</param>
    /// <param name="failureStatus">Reported instead of Unhealthy (not started, store unreachable); default Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>"ready"</c>).</param>
    /// <param name="timeout">The health-check service's own timeout for this check; the store query is bounded at 5 s regardless.</param>
    public static IHealthChecksBuilder AddDurex(this IHealthChecksBuilder builder, string name = "durex", TimeSpan? maxQueueAge = null,
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (maxQueueAge is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, TimeSpan.Zero, nameof(maxQueueAge));
        }

        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new DurexHealthCheck(sp.GetRequiredService<Executor>(), maxQueueAge)
            {
                // Under AddDurexClient nothing runs here: only the store and the queue's age count.
                ExpectRunning = sp.GetService<DurexHostedService>() is not null,
            },
            failureStatus,
            tags,
            timeout));
    }
}
