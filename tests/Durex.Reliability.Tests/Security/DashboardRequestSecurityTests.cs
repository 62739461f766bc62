using System.Net;
using System.Text;
using Durex.Dashboard;
using Durex.Reliability.Tests.BadInput;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Reliability.Tests.Security;

/// <summary>
/// What another web site can make a browser send to the dashboard — form posts, "simple" fetches, preflights — changes
/// nothing, on every action route; and a request that arrives on an address other than loopback is refused when the
/// dashboard has no authorization policy. (The start-up half of that rule, and binding to 0.0.0.0, are covered in
/// tests/Durex.Dashboard.Tests/HostingAndSecurityTests.cs; stored XSS rendering as text in
/// tests/Durex.Dashboard.Browser.Tests.)
/// </summary>
public sealed class DashboardRequestSecurityTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private const string EvilOrigin = "https://evil.example";

    /// <summary>A store with a pending, a failed and a dead-lettered command, all tagged, and the executor stopped.</summary>
    private static async Task<(SqliteRawStore Raw, Executor Executor, Guid Pending, Guid DeadLetter)> SeedAsync()
    {
        var raw = new SqliteRawStore();
        var executor = new Executor(raw.Store, o =>
        {
            o.TimeProvider = new FakeTimeProvider(Start);
            o.UseDeadLetterQueue();
        });
        executor.Handle("fail", (_, _) => throw new InvalidOperationException("boom"));
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        await executor.StartAsync();
        var dead = await executor.AddAsync(new CommandSpec("fail") { Tags = { "tenant:1" } });
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);
        var pending = await executor.AddAsync(new CommandSpec("ok") { Tags = { "tenant:1" }, Delay = TimeSpan.FromDays(1) });
        await executor.StopAsync();
        return (raw, executor, pending.Id, dead.Id);
    }

    /// <summary>Every action route with a body that would succeed if the request were allowed.</summary>
    private static IEnumerable<(string Path, string Json, string Form)> Actions(Guid pending, Guid dead) =>
    [
        ($"api/commands/{pending}/cancel", """{"reason":"csrf"}""", "reason=csrf"),
        ($"api/commands/{dead}/retry", "", ""),
        ($"api/commands/{dead}/replay", "", ""),
        ("api/commands/cancel", $$"""{"ids":["{{pending}}"]}""", $"ids={pending}"),
        ("api/commands/retry", $$"""{"ids":["{{dead}}"]}""", $"ids={dead}"),
        ("api/commands/replay", $$"""{"ids":["{{dead}}"]}""", $"ids={dead}"),
        ("api/commands/cancel-by-tag", """{"tag":"tenant:1"}""", "tag=tenant%3A1"),
        ("api/dead-letters/purge", """{"olderThanSeconds":0}""", "olderThanSeconds=0"),
    ];

    [Fact]
    public async Task Cross_site_posts_are_refused_on_every_action_route_and_change_nothing()
    {
        var (raw, executor, pending, dead) = await SeedAsync();
        await using var _ = raw;
        await using var __ = executor;
        await using var server = await DashboardServer.StartAsync(executor);
        var before = await StoreSnapshot.TakeAsync(raw.Store);

        foreach (var (path, json, form) in Actions(pending, dead))
        {
            // 1. What an HTML form on another site sends: a urlencoded body, the other site's Origin, no custom header.
            using (var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") })
            {
                request.Headers.Add("Origin", EvilOrigin);
                request.Headers.Add("Sec-Fetch-Site", "cross-site");
                request.Headers.Referrer = new Uri(EvilOrigin + "/page");
                using var response = await server.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Contains(DurexDashboardOptions.ActionHeader, await response.Content.ReadAsStringAsync());
            }

            // 2. A "simple" cross-origin fetch (text/plain, no preflight), from a browser that sends no Sec-Fetch-* headers.
            using (var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "text/plain") })
            {
                request.Headers.Add("Origin", EvilOrigin);
                using var response = await server.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            }

            // 3. The custom header present but the browser says the request is cross-site (it would have needed a preflight).
            using (var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") })
            {
                request.Headers.Add(DurexDashboardOptions.ActionHeader, "1");
                request.Headers.Add("Origin", EvilOrigin);
                request.Headers.Add("Sec-Fetch-Site", "cross-site");
                using var response = await server.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            }

            // 4. The preflight such a request needs is never approved: no CORS headers, no 2xx.
            using (var preflight = new HttpRequestMessage(HttpMethod.Options, path))
            {
                preflight.Headers.Add("Origin", EvilOrigin);
                preflight.Headers.Add("Access-Control-Request-Method", "POST");
                preflight.Headers.Add("Access-Control-Request-Headers", DurexDashboardOptions.ActionHeader.ToLowerInvariant() + ", content-type");
                using var response = await server.Client.SendAsync(preflight);
                Assert.False(response.IsSuccessStatusCode, $"OPTIONS {path}: {(int)response.StatusCode}");
                Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
                Assert.False(response.Headers.Contains("Access-Control-Allow-Headers"));
            }

            // 5. A GET (an <img> or a link) is not an action: 405, or 400 where the path reads as a command id ("cancel").
            using (var response = await server.Client.GetAsync(path))
            {
                Assert.True(response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest, $"GET {path}: {response.StatusCode}");
            }
        }

        Assert.Empty(StoreSnapshot.Changed(before, await StoreSnapshot.TakeAsync(raw.Store)));
        Assert.Empty(server.Errors);

        // The same requests from the dashboard's own page succeed, so the refusals above were not for another reason.
        foreach (var (path, json, _) in Actions(pending, dead).Where(a => a.Path.Contains("cancel-by-tag", StringComparison.Ordinal)))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Add(DurexDashboardOptions.ActionHeader, "1");
            request.Headers.Add("Sec-Fetch-Site", "same-origin");
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(CommandStatus.Cancelled, (await executor.GetAsync(pending))!.Status);
    }

    [Fact]
    public async Task Requests_arriving_on_a_non_loopback_address_are_refused_without_an_authorization_policy()
    {
        var (raw, executor, pending, dead) = await SeedAsync();
        await using var _ = raw;
        await using var __ = executor;
        // The server listens on loopback (so it starts), but this middleware makes every request look as if it came in on
        // a LAN address — what a server whose addresses are unknown at start-up (a proxy, a socket handed over) sees.
        await using var server = await DashboardServer.StartAsync(executor, app => app.Use((HttpContext context, RequestDelegate next) =>
        {
            context.Connection.LocalIpAddress = IPAddress.Parse("10.20.30.40");
            context.Connection.RemoteIpAddress = IPAddress.Parse("10.20.30.99");
            return next(context);
        }));
        var before = await StoreSnapshot.TakeAsync(raw.Store);

        foreach (var path in new[] { "api/stats", "api/commands", $"api/commands/{pending}", "api/dead-letters", "api/config", "" })
        {
            using var response = await server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("10.20.30.40", text);
            Assert.Contains("RequireAuthorization", text);
            Assert.DoesNotContain(pending.ToString(), text); // nothing about the commands leaks
        }

        foreach (var (path, json, _) in Actions(pending, dead))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Add(DurexDashboardOptions.ActionHeader, "1");
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Empty(StoreSnapshot.Changed(before, await StoreSnapshot.TakeAsync(raw.Store)));
    }

    [Fact]
    public async Task The_explicit_opt_out_lets_non_loopback_requests_through()
    {
        var (raw, executor, _, _) = await SeedAsync();
        await using var __ = raw;
        await using var ___ = executor;
        await using var server = await DashboardServer.StartAsync(executor, app => app.Use((HttpContext context, RequestDelegate next) =>
        {
            context.Connection.LocalIpAddress = IPAddress.Parse("10.20.30.40");
            return next(context);
        }), o => o.AllowAnonymousRemoteAccess = true);
        using var response = await server.Client.GetAsync("api/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
