using Durex.Dashboard;

namespace Durex;

/// <summary>The standalone dashboard without a Generic Host.</summary>
public static class DurexDashboardExecutorExtensions
{
    /// <summary>
    /// Starts a small Kestrel host serving this executor's dashboard at <paramref name="url"/> (the Go library's
    /// <c>ServeDashboard(":8080")</c>); dispose the result to stop it. See <see cref="DurexDashboardServer.StartAsync"/>.
    /// </summary>
    public static Task<DurexDashboardServer> StartDashboardAsync(this Executor executor, string url = "http://127.0.0.1:8080",
        Action<DurexDashboardServerOptions>? configure = null, CancellationToken cancellationToken = default) =>
        DurexDashboardServer.StartAsync(executor, url, configure, cancellationToken);
}
