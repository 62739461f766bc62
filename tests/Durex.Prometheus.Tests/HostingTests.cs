using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary><c>AddDurex().AddPrometheus()</c>: the host's executor is exported from host start to host stop.</summary>
public sealed class HostingTests
{
    [SkippableFact]
    public async Task AddPrometheus_exports_the_hosts_executor_while_the_host_runs()
    {
        var registry = Metrics.NewCustomRegistry();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDurex(o => o.UseInMemory())
            .Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty))
            .AddPrometheus(o => o.Registry = registry);
        using var host = builder.Build();
        await host.StartAsync();
        var executor = host.Services.GetRequiredService<Executor>();
        for (var i = 0; i < 3; i++)
        {
            await executor.AddAsync(new CommandSpec("ok"));
        }

        await executor.WaitForIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var scrape = await Exposition.ScrapeAsync(registry);
        Assert.Equal(3, scrape["durex_commands_completed_total{command=\"ok\"}"]);
        Assert.Equal(0, scrape["durex_queue_size"]);
        await Promtool.AssertValidAsync(scrape.Text);
        await host.StopAsync();
    }
}
