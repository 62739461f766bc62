using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps a Prometheus scrape endpoint in an ASP.NET Core app.</summary>
public static class DurexMetricsEndpointExtensions
{
    /// <summary>The content type of the text exposition format served by <see cref="MapDurexMetrics"/>.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// Serves <paramref name="registry"/> (default <see cref="Metrics.DefaultRegistry"/>) in the Prometheus text format on
    /// GET <paramref name="pattern"/>. A scrape runs the registry's before-collect callbacks, so the Durex gauges are
    /// refreshed first. Add <c>.RequireAuthorization()</c>, <c>.RequireHost(…)</c> or
    /// another convention to the result to protect it.
    /// </summary>
    /// <param name="endpoints">The app or route group.</param>
    /// <param name="pattern">The route (default <c>/metrics</c>).</param>
    /// <param name="registry">The registry to serve; null for the default registry.</param>
    /// <returns>The endpoint's convention builder.</returns>
    public static IEndpointConventionBuilder MapDurexMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics", CollectorRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var served = registry ?? Metrics.DefaultRegistry;
        RequestDelegate handler = context => ServeAsync(context, served);
        return endpoints.MapGet(pattern, handler).WithDisplayName("Prometheus metrics");
    }

    private static async Task ServeAsync(HttpContext context, CollectorRegistry registry)
    {
        // Collect into memory first: a collection that throws midway is a 500, not a truncated 200.
        using var buffer = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(buffer, context.RequestAborted).ConfigureAwait(false);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
