using Durex;
using Durex.Dashboard;
using Durex.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The standalone dashboard in a Generic Host (worker services, console apps).</summary>
public static class DurexDashboardBuilderExtensions
{
    /// <summary>
    /// Serves the dashboard of the host's executor on its own small Kestrel host at <paramref name="url"/> while the
    /// host runs: <c>services.AddDurex(o =&gt; o.UseSqlite("durex.db")).WithDashboard("http://127.0.0.1:8080")</c>.
    /// It starts after the executor and stops before it. A non-loopback URL without authorization fails the host's start
    /// (see <see cref="DurexDashboardServer.StartAsync"/>). In an ASP.NET Core app, prefer <c>app.MapDurexDashboard()</c>.
    /// </summary>
    public static IDurexBuilder WithDashboard(this IDurexBuilder builder, string url = "http://127.0.0.1:8080", Action<DurexDashboardServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DurexDashboardHostedService>(sp =>
            new DurexDashboardHostedService(sp.GetRequiredService<Executor>(), url, configure)));
        return builder;
    }
}

internal sealed class DurexDashboardHostedService(Executor executor, string url, Action<DurexDashboardServerOptions>? configure) : IHostedService, IAsyncDisposable
{
    private DurexDashboardServer? _server;

    public DurexDashboardServer? Server => _server;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _server = await DurexDashboardServer.StartAsync(executor, url, configure, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
