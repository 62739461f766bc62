using System.Net;
using System.Text.Json.Nodes;
using Durex.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durex.Dashboard.Tests;

/// <summary>The loopback rule, the standalone host and the Generic Host integration.</summary>
public sealed class HostingAndSecurityTests
{
    private static readonly TimeSpan HangGuard = DashboardHost.HangGuard;

    private static async Task<(WebApplication App, Executor Executor)> StartAppAsync(string url, Action<WebApplication> map)
    {
        var executor = new Executor(new MemoryStore());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(executor);
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.Urls.Add(url);
        map(app);
        await app.StartAsync().WaitAsync(HangGuard);
        return (app, executor);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://[::]:0")]
    public async Task Mapping_on_a_non_loopback_address_without_authorization_stops_the_app_at_startup(string url)
    {
        var (app, executor) = await StartAppAsync(url, a => a.MapDurexDashboard());
        await using (app)
        await using (executor)
        {
            var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
            Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_AddDurex_a_non_loopback_address_without_authorization_fails_the_start(bool client)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (client)
        {
            builder.Services.AddDurexClient(o => o.UseInMemory());
        }
        else
        {
            builder.Services.AddDurex(o => o.UseInMemory());
        }

        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        app.Urls.Add("http://0.0.0.0:0");
        app.MapDurexDashboard("/ops/durex");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync().WaitAsync(HangGuard));
        Assert.Contains("/ops/durex", error.Message);
        Assert.Contains("0.0.0.0", error.Message);
        Assert.Contains("RequireAuthorization", error.Message);
        Assert.Contains("AllowAnonymousRemoteAccess", error.Message);
        await app.StopAsync().WaitAsync(HangGuard);

        // The same app with authorization on the group starts.
        var secured = WebApplication.CreateSlimBuilder();
        secured.Logging.ClearProviders();
        secured.Services.AddDurex(o => o.UseInMemory());
        secured.Services.AddAuthorization();
        await using var securedApp = secured.Build();
        securedApp.Urls.Add("http://0.0.0.0:0");
        securedApp.MapDurexDashboard("/ops/durex").RequireAuthorization();
        await securedApp.StartAsync().WaitAsync(HangGuard);
        await securedApp.StopAsync().WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Authorization_or_the_explicit_opt_out_allows_a_non_loopback_address()
    {
        var (secured, e1) = await StartAppAsync("http://0.0.0.0:0", a => a.MapDurexDashboard().RequireAuthorization());
        await using (secured)
        await using (e1)
        {
            Assert.False(secured.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        }

        var (optedOut, e2) = await StartAppAsync("http://0.0.0.0:0", a => a.MapDurexDashboard("/durex", o => o.AllowAnonymousRemoteAccess = true));
        await using (optedOut)
        await using (e2)
        {
            Assert.False(optedOut.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        }

        // Authorization from an enclosing group counts too.
        var (grouped, e3) = await StartAppAsync("http://0.0.0.0:0", a => a.MapGroup("/ops").RequireAuthorization().MapDurexDashboard());
        await using (grouped)
        await using (e3)
        {
            Assert.False(grouped.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        }

        var (loopback, e4) = await StartAppAsync("http://127.0.0.1:0", a => a.MapDurexDashboard());
        await using (loopback)
        await using (e4)
        {
            Assert.False(loopback.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://unix:/tmp/durex.sock", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://10.1.2.3:5000", false)]
    [InlineData("http://example.com:5000", false)]
    public void Loopback_addresses_are_recognised(string address, bool loopback) =>
        Assert.Equal(loopback, DashboardSecurity.IsLoopbackAddress(address));

    [Fact]
    public async Task Standalone_server_serves_the_dashboard_on_loopback()
    {
        await using var executor = new Executor(new MemoryStore());
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        await executor.StartAsync();
        await executor.AddAsync(new CommandSpec("ok"));
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);

        await using var server = await executor.StartDashboardAsync("http://127.0.0.1:0");
        Assert.EndsWith("/", server.Uri.ToString());
        using var client = new HttpClient { BaseAddress = server.Uri, Timeout = HangGuard };
        var stats = JsonNode.Parse(await client.GetStringAsync("api/stats"))!;
        Assert.Equal(1, (long)stats["counts"]!["COMPLETED"]!);
        using var page = await client.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        DashboardApiTests.AssertSecurityHeaders(page);
    }

    [Fact]
    public async Task Standalone_server_under_a_path_with_its_own_conventions()
    {
        await using var executor = new Executor(new MemoryStore());
        var conventions = 0;
        await using var server = await DurexDashboardServer.StartAsync(executor, "http://127.0.0.1:0", o =>
        {
            o.Path = "/jobs/";
            o.ConfigureEndpoints = g => ((IEndpointConventionBuilder)g).Add(_ => Interlocked.Increment(ref conventions));
        });
        Assert.EndsWith("/jobs/", server.Uri.ToString());
        using var client = new HttpClient { BaseAddress = server.Uri, Timeout = HangGuard };
        Assert.Equal("Durex", (string)JsonNode.Parse(await client.GetStringAsync("api/config"))!["title"]!);
        using var health = await client.GetAsync("api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode); // executor not started
        Assert.True(conventions > 0);
    }

    [Fact]
    public async Task Standalone_server_refuses_a_non_loopback_address_without_authorization()
    {
        await using var executor = new Executor(new MemoryStore());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => executor.StartDashboardAsync("http://0.0.0.0:0"));
        Assert.Contains("0.0.0.0", error.Message);
        Assert.Contains("o.ConfigureEndpoints = g => g.RequireAuthorization(\"ops\")", error.Message);
        Assert.Contains("AllowAnonymousRemoteAccess", error.Message);

        await using var optedOut = await executor.StartDashboardAsync("http://0.0.0.0:0", o => o.AllowAnonymousRemoteAccess = true);
        Assert.NotEmpty(optedOut.Addresses);

        await using var secured = await executor.StartDashboardAsync("http://0.0.0.0:0", o =>
        {
            o.ConfigureServices = s => s.AddAuthorization();
            o.ConfigureEndpoints = g => g.RequireAuthorization();
        });
        Assert.NotEmpty(secured.Addresses);

        await Assert.ThrowsAsync<ArgumentException>(() => executor.StartDashboardAsync("https://127.0.0.1:0"));
        await Assert.ThrowsAsync<ArgumentException>(() => executor.StartDashboardAsync("not a url"));
    }

    [Fact]
    public async Task WithDashboard_runs_the_standalone_server_with_the_host()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurex(o => o.UseInMemory())
            .Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty))
            .WithDashboard("http://127.0.0.1:0");
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(HangGuard);
        try
        {
            var dashboard = host.Services.GetServices<IHostedService>().OfType<DurexDashboardHostedService>().Single();
            using var client = new HttpClient { BaseAddress = dashboard.Server!.Uri, Timeout = HangGuard };
            var health = JsonNode.Parse(await client.GetStringAsync("api/health"))!;
            Assert.Equal("healthy", (string)health["status"]!); // the executor started first
        }
        finally
        {
            await host.StopAsync().WaitAsync(HangGuard);
        }
    }

    [Fact]
    public void Options_are_validated()
    {
        var endpoints = WebApplication.CreateSlimBuilder().Build();
        var executor = new Executor(new MemoryStore());
        Assert.Throws<ArgumentOutOfRangeException>(() => endpoints.MapDurexDashboard(executor, "/d", o => o.ThroughputSampleInterval = TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => endpoints.MapDurexDashboard(executor, "/d", o => o.RefreshIntervalMilliseconds = 10));
        var missing = Assert.Throws<InvalidOperationException>(() => endpoints.MapDurexDashboard());
        Assert.Contains("AddDurex", missing.Message);
    }
}
