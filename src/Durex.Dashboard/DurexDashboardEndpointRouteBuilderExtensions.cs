using Durex;
using Durex.Dashboard;
using Durex.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the Durex dashboard (JSON API and UI) in an ASP.NET Core app.</summary>
public static class DurexDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Mounts the dashboard of the container's <see cref="Executor"/> (registered by <c>AddDurex</c> or
    /// <c>AddDurexClient</c>) under <paramref name="prefix"/>. Protect it with the returned group:
    /// <c>app.MapDurexDashboard("/durex").RequireAuthorization("ops")</c>.
    /// </summary>
    /// <param name="endpoints">The app or a route group (the dashboard works under any path prefix and path base).</param>
    /// <param name="prefix">The path the dashboard is served at (default <c>/durex</c>; <c>""</c> for the root).</param>
    /// <param name="configure">Dashboard settings.</param>
    /// <returns>The route group of every dashboard endpoint, for conventions such as <c>RequireAuthorization</c>.</returns>
    /// <remarks>
    /// When the server listens on an address other than loopback and the dashboard's endpoints have no authorization
    /// requirement (and <see cref="DurexDashboardOptions.AllowAnonymousRemoteAccess"/> is off), the start fails: with
    /// <c>AddDurex</c> or <c>AddDurexClient</c>, <c>app.StartAsync</c>/<c>app.Run</c> throws an
    /// <see cref="InvalidOperationException"/> saying how to fix it; with an executor registered by hand, the application
    /// is stopped as soon as it has started, with a critical log entry carrying the same message. Requests that arrive on
    /// a non-loopback address are refused with 403 in any case.
    /// </remarks>
    public static RouteGroupBuilder MapDurexDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/durex", Action<DurexDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var executor = endpoints.ServiceProvider.GetService<Executor>() ?? throw new InvalidOperationException(
            "MapDurexDashboard needs an Durex executor: register one with builder.Services.AddDurex(...) or AddDurexClient(...), " +
            "or pass it: app.MapDurexDashboard(executor, \"/durex\").");
        return endpoints.MapDurexDashboard(executor, prefix, configure);
    }

    /// <summary>
    /// Mounts the dashboard of <paramref name="executor"/> under <paramref name="prefix"/> (the Go library's
    /// <c>executor.DashboardHandler()</c>). See <see cref="MapDurexDashboard(IEndpointRouteBuilder, string, Action{DurexDashboardOptions}?)"/>.
    /// </summary>
    public static RouteGroupBuilder MapDurexDashboard(this IEndpointRouteBuilder endpoints, Executor executor, string prefix = "/durex", Action<DurexDashboardOptions>? configure = null)
    {
        var options = new DurexDashboardOptions();
        configure?.Invoke(options);
        return MapDashboard(endpoints, executor, prefix, options, out _);
    }

    internal static RouteGroupBuilder MapDashboard(IEndpointRouteBuilder endpoints, Executor executor, string prefix, DurexDashboardOptions options, out DashboardApi api)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(prefix);
        options.Validate();
        prefix = prefix.TrimEnd('/');
        if (prefix.Length > 0 && !prefix.StartsWith('/'))
        {
            prefix = "/" + prefix;
        }

        var marker = new DashboardEndpointMarker(prefix);
        api = new DashboardApi(executor, options, marker);
        var group = endpoints.MapGroup(prefix);
        api.Map(group);

        // With AddDurex/AddDurexClient the check fails host.StartAsync (app.Run throws); with an executor registered by
        // hand there is no such hook after the app is built, so the app is stopped as soon as it has started.
        var checks = endpoints.ServiceProvider.GetService<DurexStartupChecks>();
        checks?.Add(() => options.AllowAnonymousRemoteAccess || FindUnprotectedRemoteAddress(endpoints, marker) is not { } address
            ? null
            : DashboardSecurity.RemoteAccessMessage(prefix, address));

        var lifetime = endpoints.ServiceProvider.GetService<IHostApplicationLifetime>();
        if (lifetime is not null)
        {
            var sampler = api;
            lifetime.ApplicationStarted.Register(() =>
            {
                if (checks is null && !options.AllowAnonymousRemoteAccess && FindUnprotectedRemoteAddress(endpoints, marker) is { } address)
                {
                    var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger("Durex.Dashboard");
                    logger?.LogCritical("{Message}", DashboardSecurity.RemoteAccessMessage(prefix, address));
                    lifetime.StopApplication();
                    return;
                }

                StartSampling(executor, options, sampler, lifetime);
            });
        }

        return group;
    }

    private static void StartSampling(Executor executor, DurexDashboardOptions options, DashboardApi api, IHostApplicationLifetime lifetime)
    {
        _ = api.SampleAsync();
        var timer = executor.Options.TimeProvider.CreateTimer(static state => _ = ((DashboardApi)state!).SampleAsync(), api,
            options.ThroughputSampleInterval, options.ThroughputSampleInterval);
        lifetime.ApplicationStopping.Register(timer.Dispose);
    }

    /// <summary>A server address other than loopback, when some endpoint of the dashboard has no authorization requirement.</summary>
    internal static string? FindUnprotectedRemoteAddress(IEndpointRouteBuilder endpoints, DashboardEndpointMarker marker, IEnumerable<string>? addresses = null)
    {
        addresses ??= endpoints.ServiceProvider.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var remote = addresses.FirstOrDefault(a => !DashboardSecurity.IsLoopbackAddress(a));
        if (remote is null)
        {
            return null;
        }

        // The app's composite data source has the endpoints as built, with the conventions of every enclosing group;
        // a host whose composite does not list them yet (an empty builder before start) is read from its own sources.
        var mine = MarkedEndpoints(endpoints.ServiceProvider.GetService<EndpointDataSource>()?.Endpoints ?? [], marker);
        if (mine.Count == 0)
        {
            mine = MarkedEndpoints(endpoints.DataSources.SelectMany(s => s.Endpoints), marker);
        }

        var unprotected = mine.Count == 0 || mine.Any(e => !DashboardSecurity.RequiresAuthorization(e.Metadata));
        return unprotected ? remote : null;
    }

    private static List<Endpoint> MarkedEndpoints(IEnumerable<Endpoint> endpoints, DashboardEndpointMarker marker) =>
        endpoints.Where(e => ReferenceEquals(e.Metadata.GetMetadata<DashboardEndpointMarker>(), marker)).ToList();
}
