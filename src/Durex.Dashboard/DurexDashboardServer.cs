using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Durex.Dashboard;

/// <summary>Settings of the standalone dashboard host (<see cref="DurexDashboardServer"/>).</summary>
public sealed class DurexDashboardServerOptions : DurexDashboardOptions
{
    /// <summary>The path the dashboard is served at on the host (default <c>/</c>).</summary>
    public string Path { get; set; } = "/";

    /// <summary>Adds services to the small host, e.g. authentication and authorization for a non-loopback address.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>Adds middleware before the dashboard, e.g. <c>app.UseAuthentication(); app.UseAuthorization();</c>.</summary>
    public Action<WebApplication>? ConfigureApp { get; set; }

    /// <summary>Adds conventions to the dashboard's endpoints, e.g. <c>g =&gt; g.RequireAuthorization("ops")</c>.</summary>
    public Action<RouteGroupBuilder>? ConfigureEndpoints { get; set; }
}

/// <summary>
/// A small Kestrel host that serves only the dashboard, next to an executor in a process that has no web server of its
/// own (a worker service, a console app): the Go library's <c>WithDashboard(":8080")</c>. It binds only the address it
/// is given (no configuration files, no environment variables) and serves plain HTTP.
/// </summary>
public sealed class DurexDashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _path;

    private DurexDashboardServer(WebApplication app, string path)
    {
        _app = app;
        _path = path;
    }

    /// <summary>The addresses the host listens on (with the real port when the URL asked for port 0).</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>The dashboard's address: the first listening address plus the path, ending with a slash.</summary>
    public Uri Uri => new(Addresses[0].TrimEnd('/') + _path + "/");

    /// <summary>
    /// Starts a host serving the dashboard of <paramref name="executor"/> on <paramref name="url"/>
    /// (e.g. <c>http://127.0.0.1:8080</c>; port 0 picks a free port).
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The URL is not loopback and the dashboard's endpoints have no authorization requirement (add one with
    /// <see cref="DurexDashboardServerOptions.ConfigureEndpoints"/>) and
    /// <see cref="DurexDashboardOptions.AllowAnonymousRemoteAccess"/> is off. Nothing is bound then.
    /// </exception>
    public static async Task<DurexDashboardServer> StartAsync(Executor executor, string url, Action<DurexDashboardServerOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var parsed)
            || parsed.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"'{url}' is not an http:// URL to listen on, such as http://127.0.0.1:8080. (For HTTPS, mount the dashboard in your ASP.NET Core app with MapDurexDashboard.)", nameof(url));
        }

        var options = new DurexDashboardServerOptions();
        configure?.Invoke(options);
        var path = "/" + (options.Path ?? "").Trim('/');
        path = path == "/" ? "" : path;

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(DurexDashboardServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.Replace(ServiceDescriptor.Singleton(executor.Options.LoggerFactory));
        builder.Services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
        options.ConfigureServices?.Invoke(builder.Services);
        var app = builder.Build();
        try
        {
            app.Urls.Add(url);
            app.UseRouting();
            options.ConfigureApp?.Invoke(app);
            var group = DurexDashboardEndpointRouteBuilderExtensions.MapDashboard(app, executor, path, options, out var api);
            options.ConfigureEndpoints?.Invoke(group);

            if (!options.AllowAnonymousRemoteAccess
                && DurexDashboardEndpointRouteBuilderExtensions.FindUnprotectedRemoteAddress(app, api.Marker, [url]) is { } address)
            {
                throw new InvalidOperationException(DashboardSecurity.RemoteAccessMessage(path, address)
                    .Replace("app.MapDurexDashboard(\"/durex\").RequireAuthorization(\"ops\")", "o.ConfigureEndpoints = g => g.RequireAuthorization(\"ops\")", StringComparison.Ordinal)
                    .Replace("(with builder.Services.AddAuthorization(...) and an authentication scheme)",
                        "(with o.ConfigureServices adding authentication and authorization, and o.ConfigureApp calling app.UseAuthentication(); app.UseAuthorization())",
                        StringComparison.Ordinal));
            }

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new DurexDashboardServer(app, path);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

    }

    /// <summary>Stops listening; requests in flight get <paramref name="cancellationToken"/>'s time to finish.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Stops the host and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
