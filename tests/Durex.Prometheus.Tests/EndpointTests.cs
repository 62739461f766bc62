using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary><c>MapDurexMetrics</c> served by a real Kestrel on a free loopback port.</summary>
public sealed class EndpointTests
{
    [SkippableFact]
    public async Task MapDurexMetrics_serves_the_text_exposition_with_fresh_gauges()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var executor = OptionsTests.NewExecutor();
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        using var metrics = DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry);
        for (var i = 0; i < 4; i++)
        {
            await executor.AddAsync(new CommandSpec("ok"));
        }

        await using var app = await StartAsync(endpoints => endpoints.MapDurexMetrics(registry: registry));
        using var client = new HttpClient { BaseAddress = Address(app) };

        Exposition first;
        using (var response = await client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            first = new Exposition(await response.Content.ReadAsStringAsync());
            Assert.Equal(4, first["durex_queue_size"]); // refreshed by the scrape itself
        }

        await OptionsTests.RunAsync(executor);
        var after = new Exposition(await client.GetStringAsync("/metrics"));
        Assert.Equal(0, after["durex_queue_size"]);
        Assert.Equal(4, after["durex_commands_completed_total{command=\"ok\"}"]);
        await Promtool.AssertValidAsync(first.Text);
        await Promtool.AssertValidAsync(after.Text);
    }

    [Fact]
    public async Task MapDurexMetrics_takes_a_pattern_and_returns_a_convention_builder()
    {
        var registry = Metrics.NewCustomRegistry();
        var conventions = 0;
        await using var app = await StartAsync(endpoints =>
            endpoints.MapDurexMetrics("/ops/metrics", registry).Add(_ => conventions++));
        using var client = new HttpClient { BaseAddress = Address(app) };

        using var served = await client.GetAsync("/ops/metrics");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        using var elsewhere = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        using var posted = await client.PostAsync("/ops/metrics", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, posted.StatusCode);
        Assert.Equal(1, conventions);
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        map(app);
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
}
