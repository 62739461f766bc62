using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Durex.Dashboard;

/// <summary>Marks the endpoints of one mounted dashboard, so the startup check finds them and their conventions.</summary>
internal sealed class DashboardEndpointMarker(string prefix)
{
    public string Prefix { get; } = prefix;
}

internal static class DashboardSecurity
{
    /// <summary>
    /// The CSP of every dashboard response: scripts, styles and fetches only from the dashboard's own origin, no inline
    /// code, no plugins, no framing, no form posts.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void ApplyHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    /// <summary>True when the address (as Kestrel lists it) only accepts connections from this machine.</summary>
    public static bool IsLoopbackAddress(string address)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }

        if (binding.IsUnixPipe || binding.IsNamedPipe)
        {
            return true;
        }

        var host = binding.Host;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        host = host.Trim('[', ']');
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>True when the endpoint carries an authorization requirement that is not lifted by <c>AllowAnonymous</c>.</summary>
    public static bool RequiresAuthorization(EndpointMetadataCollection metadata) =>
        metadata.GetMetadata<IAuthorizeData>() is not null || metadata.GetMetadata<AuthorizationPolicy>() is not null
            ? metadata.GetMetadata<IAllowAnonymous>() is null
            : false;

    public static string RemoteAccessMessage(string prefix, string address) =>
        $"The Durex dashboard at '{(prefix.Length == 0 ? "/" : prefix)}' would be reachable from other machines ({address}) without an " +
        "authorization policy: anyone who can reach it could read payloads and retry, cancel or purge commands. " +
        "Require authorization on it, e.g. app.MapDurexDashboard(\"/durex\").RequireAuthorization(\"ops\") " +
        "(with builder.Services.AddAuthorization(...) and an authentication scheme), bind it to loopback only " +
        "(http://127.0.0.1:port), or opt out explicitly with o.AllowAnonymousRemoteAccess = true when a proxy or a " +
        "private network already restricts access.";
}
