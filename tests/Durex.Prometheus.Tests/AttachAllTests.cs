using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>Runs alone: AttachAll listens to every Durex meter in the process, other tests' executors included.</summary>
[CollectionDefinition(nameof(ProcessWideListeners), DisableParallelization = true)]
public sealed class ProcessWideListeners;

/// <summary><see cref="DurexPrometheusMetrics.AttachAll"/>: every executor of the process, present and future, once.</summary>
[Collection(nameof(ProcessWideListeners))]
public sealed class AttachAllTests
{
    [Fact]
    public async Task AttachAll_exports_existing_and_later_executors_and_skips_those_exported_already()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var existing = OptionsTests.NewExecutor();
        existing.Handle("all_existing", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        await using var attached = OptionsTests.NewExecutor();
        attached.Handle("all_attached", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        using var single = DurexPrometheusMetrics.Attach(attached, o => o.Registry = registry);

        using var all = DurexPrometheusMetrics.AttachAll(o => o.Registry = registry);
        await using var later = OptionsTests.NewExecutor();
        later.Handle("all_later", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        Assert.Throws<InvalidOperationException>(() => DurexPrometheusMetrics.Attach(later, o => o.Registry = registry));

        foreach (var (executor, name) in new[] { (existing, "all_existing"), (attached, "all_attached"), (later, "all_later") })
        {
            await executor.AddAsync(new CommandSpec(name));
            await executor.AddAsync(new CommandSpec(name));
        }

        // AttachAll reads the snapshot each executor keeps (refreshed every StatisticsInterval; here by hand for "later"
        // only, "existing" has none yet) and takes its executors as sharing one store; "attached" is refreshed by its own
        // exporter's scrape and has its own store: 2 + 2.
        await later.GetStatisticsAsync();
        var before = await Exposition.ScrapeAsync(registry);
        Assert.Equal(4, before["durex_queue_size"]);

        foreach (var executor in new[] { existing, attached, later })
        {
            await OptionsTests.RunAsync(executor);
        }

        var after = await Exposition.ScrapeAsync(registry);
        Assert.Equal(2, after["durex_commands_started_total{command=\"all_existing\"}"]);
        Assert.Equal(2, after["durex_commands_started_total{command=\"all_attached\"}"]); // once, not twice
        Assert.Equal(2, after["durex_commands_started_total{command=\"all_later\"}"]);
        Assert.Equal(6, after["durex_command_duration_seconds_count{command=\"all_existing\"}"]
            + after["durex_command_duration_seconds_count{command=\"all_attached\"}"]
            + after["durex_command_duration_seconds_count{command=\"all_later\"}"]);
    }
}
