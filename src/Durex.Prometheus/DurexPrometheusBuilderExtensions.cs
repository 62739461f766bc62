using Durex;
using Durex.Hosting;
using Durex.Prometheus;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Prometheus exporter with the Generic Host integration.</summary>
public static class DurexPrometheusBuilderExtensions
{
    /// <summary>
    /// Exports the container's executor to Prometheus (<see cref="DurexPrometheusMetrics.Attach"/>) from host start to
    /// host stop. Serve the registry with <c>app.MapDurexMetrics()</c> or prometheus-net's <c>MetricServer</c>.
    /// </summary>
    public static IDurexBuilder AddPrometheus(this IDurexBuilder builder, Action<DurexPrometheusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PrometheusExporterService>(
            services => new PrometheusExporterService(services.GetRequiredService<Executor>(), configure)));
        return builder;
    }

    private sealed class PrometheusExporterService(Executor executor, Action<DurexPrometheusOptions>? configure) : IHostedService, IDisposable
    {
        private DurexPrometheusMetrics? _metrics;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _metrics ??= DurexPrometheusMetrics.Attach(executor, configure);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Dispose();
            return Task.CompletedTask;
        }

        public void Dispose()
        {
            _metrics?.Dispose();
            _metrics = null;
        }
    }
}
