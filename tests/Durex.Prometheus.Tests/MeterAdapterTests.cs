using System.Diagnostics.Metrics;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>
/// prometheus-net starts a <see cref="MeterAdapter"/> for the default registry on its first scrape: it publishes every
/// .NET meter, Durex's included, under <c>&lt;meter&gt;_&lt;instrument&gt;</c> names. These tests pin down what that gives
/// next to our exporter, and that <see cref="DurexPrometheusMetrics.ExcludeDurexMeter"/> turns it off for Durex.
/// </summary>
public sealed class MeterAdapterTests
{
    private static readonly string[] OurFamilies =
    [
        "durex_commands_started_total", "durex_commands_completed_total", "durex_commands_failed_total", "durex_commands_retried_total",
        "durex_commands_expired_total", "durex_lease_rescues_total", "durex_command_duration_seconds", "durex_command_wait_seconds",
        "durex_claim_duration_seconds", "durex_commands_running", "durex_queue_size", "durex_queue_oldest_age_seconds", "durex_dead_letters",
        "durex_commands", "durex_statistics_refresh_failures_total",
    ];

    [SkippableFact]
    public async Task The_default_registry_exports_our_families_once_next_to_the_adapters_durex_durex_names()
    {
        var registry = Metrics.DefaultRegistry;
        await Exposition.ScrapeAsync(registry); // the first scrape starts prometheus-net's default MeterAdapter

        await using var store = new MemoryStore();
        await using var executor = new Executor(store, o => o.TimeProvider = new FakeTimeProvider(WorkloadTests.Epoch));
        executor.Handle("default_registry_job", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        using var metrics = DurexPrometheusMetrics.Attach(executor); // the default registry
        for (var i = 0; i < 3; i++)
        {
            await executor.AddAsync(new CommandSpec("default_registry_job"));
        }

        await executor.StartAsync().WaitAsync(WorkloadTests.HangGuard);
        await executor.WaitForIdleAsync().WaitAsync(WorkloadTests.HangGuard);
        var scrape = await Exposition.ScrapeAsync(registry);

        Assert.Equal(3, scrape["durex_commands_started_total{command=\"default_registry_job\"}"]);
        Assert.All(OurFamilies, family => Assert.Equal(1, scrape.TypeLines(family)));

        // The adapter's copy of the same instruments: meter name + instrument name, dots to underscores, counters as gauges,
        // tag names as label names. Different names from ours, so no clash, just duplicated data.
        Assert.Equal(3, scrape["durex_durex_commands_started{durex_command=\"default_registry_job\"}"]);
        Assert.Equal(1, scrape.TypeLines("durex_durex_commands_started"));
        Assert.Contains("# TYPE durex_durex_commands_started gauge", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE durex_durex_command_duration histogram", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE durex_durex_queue_size gauge", scrape.Text, StringComparison.Ordinal);
        // promtool parses the whole scrape (a duplicated family would be a parse error); its lint complaints about
        // prometheus-net's own metrics (System.Runtime names ending in _count…) are not ours to fix.
        await Promtool.AssertValidAsync(scrape.Text, lintScope: OurFamilies);
    }

    [Fact]
    public async Task ExcludeDurexMeter_filters_out_every_durex_instrument_and_keeps_a_filter_already_set()
    {
        // (Checked on the predicate: prometheus-net 8.2.1's MeterAdapter publishes into the default registry whatever
        // MeterAdapterOptions.Registry says, so a second adapter cannot be observed in isolation.)
        var options = new MeterAdapterOptions { InstrumentFilterPredicate = i => i.Name != "dropped" };
        DurexPrometheusMetrics.ExcludeDurexMeter(options);

        await using var store = new MemoryStore();
        await using var executor = new Executor(store, o => o.TimeProvider = new FakeTimeProvider(WorkloadTests.Epoch));
        var durex = new List<Instrument>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter == executor.Meter)
                {
                    durex.Add(instrument);
                }
            };
            listener.Start();
        }

        Assert.Equal(14, durex.Count);
        Assert.All(durex, instrument => Assert.False(options.InstrumentFilterPredicate(instrument), instrument.Name));
        using var other = new Meter("Durex.Tests.Other");
        Assert.True(options.InstrumentFilterPredicate(other.CreateCounter<long>("kept")));
        Assert.False(options.InstrumentFilterPredicate(other.CreateCounter<long>("dropped")));
    }
}
