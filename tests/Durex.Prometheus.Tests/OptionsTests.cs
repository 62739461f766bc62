using Durex.Storage;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>Names, buckets and labels: validated up front with messages that say what to fix, and visible in the scrape.</summary>
public sealed class OptionsTests
{
    [Theory]
    [InlineData("my-app", null, "Namespace 'my-app' is not a valid Prometheus name part", "'my_app'")]
    [InlineData("1jobs", null, "Namespace '1jobs' is not a valid Prometheus name part", "not starting with a digit")]
    [InlineData("durex", "work queue", "Subsystem 'work queue' is not a valid Prometheus name part", "'work_queue'")]
    [InlineData("durex", "jobs:x", "Subsystem 'jobs:x' is not a valid Prometheus name part", "underscores")]
    [InlineData("", "_", "'__'", "reserved")]
    [InlineData("durex", "durex", "durex_durex_", "MeterAdapter")]
    public void Invalid_names_are_rejected_with_what_to_fix(string ns, string? subsystem, string problem, string fix)
    {
        var error = Assert.Throws<ArgumentException>(() => Attach(o =>
        {
            o.Namespace = ns;
            o.Subsystem = subsystem;
        }));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(fix, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 0.1, 0.5, 0.5 }, "Buckets[2] = 0.5 follows 0.5", "increase strictly")]
    [InlineData(new[] { 1.0, 0.5 }, "Buckets[1] = 0.5 follows 1", "Sort them")]
    [InlineData(new[] { 0.1, double.NaN }, "Buckets[1] is NaN", "finite")]
    [InlineData(new[] { 0.1, double.PositiveInfinity }, "Buckets[1] is Infinity", "+Inf bucket is added automatically")]
    [InlineData(new double[0], "Buckets is empty", "at least one upper bound")]
    public void Invalid_buckets_are_rejected_with_what_to_fix(double[] buckets, string problem, string fix)
    {
        var error = Assert.Throws<ArgumentException>(() => Attach(o => o.Buckets = buckets));
        Assert.Equal("Buckets", error.ParamName);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(fix, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_invalid_settings_are_rejected()
    {
        Assert.Contains("Registry is null", Assert.Throws<ArgumentException>(() => Attach(o => o.Registry = null!)).Message, StringComparison.Ordinal);
        Assert.Contains("StatisticsTimeout must be positive",
            Assert.Throws<ArgumentException>(() => Attach(o => o.StatisticsTimeout = TimeSpan.Zero)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => DurexPrometheusMetrics.Attach(null!));
    }

    [Fact]
    public async Task A_registry_holding_a_clashing_metric_is_reported()
    {
        var registry = Metrics.NewCustomRegistry();
        Metrics.WithCustomRegistry(registry).CreateCounter("durex_queue_size", "Someone else's counter.");
        await using var executor = NewExecutor();
        var error = Assert.Throws<ArgumentException>(() => DurexPrometheusMetrics.Attach(executor, o => o.Registry = registry));
        Assert.Contains("clashes with Durex's 'durex_*' metrics", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Custom_namespace_subsystem_and_buckets_show_up_in_the_scrape()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var executor = NewExecutor();
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        using var metrics = DurexPrometheusMetrics.Attach(executor, o =>
        {
            o.Registry = registry;
            o.Namespace = "jobs";
            o.Subsystem = "worker";
            o.Buckets = [0.5, 1, 2];
        });
        Assert.Equal("jobs_worker_", metrics.MetricPrefix);
        Assert.Same(registry, metrics.Registry);
        await executor.AddAsync(new CommandSpec("ok"));
        await RunAsync(executor);

        var scrape = await Exposition.ScrapeAsync(registry);
        Assert.Equal(1, scrape["jobs_worker_commands_started_total{command=\"ok\"}"]);
        Assert.Equal(1, scrape["jobs_worker_commands_completed_total{command=\"ok\"}"]);
        Assert.Equal(0, scrape["jobs_worker_queue_size"]);
        Assert.Equal(
            ["+Inf", "0.5", "1", "2"],
            scrape.Series.Where(s => s.StartsWith("jobs_worker_command_duration_seconds_bucket{command=\"ok\"", StringComparison.Ordinal))
                .Select(s => s.Split("le=\"")[1].TrimEnd('"', '}')).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(1, scrape["jobs_worker_command_duration_seconds_bucket{command=\"ok\",le=\"0.5\"}"]);
        Assert.DoesNotContain(scrape.Series, s => s.StartsWith("durex_", StringComparison.Ordinal));
        await Promtool.AssertValidAsync(scrape.Text);
    }

    [Fact]
    public async Task No_namespace_and_no_subsystem_give_bare_names()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var executor = NewExecutor();
        using var metrics = DurexPrometheusMetrics.Attach(executor, o =>
        {
            o.Registry = registry;
            o.Namespace = null;
        });
        Assert.Equal("", metrics.MetricPrefix);
        var scrape = await Exposition.ScrapeAsync(registry);
        Assert.Equal(0, scrape["queue_size"]);
        Assert.True(scrape.Has("lease_rescues_total"));
    }

    [SkippableFact]
    public async Task DurationByOutcome_adds_the_outcome_label_to_the_duration_histogram_only()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var executor = NewExecutor(o => o.UseDeadLetterQueue());
        executor.Handle("flaky", (ctx, _) => ctx.Attempt == 1 ? throw new InvalidOperationException("once") : ValueTask.FromResult(CommandResult.Empty),
            c => c.Retries(1));
        using var metrics = DurexPrometheusMetrics.Attach(executor, o =>
        {
            o.Registry = registry;
            o.DurationByOutcome = true;
        });
        await executor.AddAsync(new CommandSpec("flaky"));
        await RunAsync(executor);

        var scrape = await Exposition.ScrapeAsync(registry);
        Assert.Equal(1, scrape["durex_command_duration_seconds_count{command=\"flaky\",outcome=\"retrying\"}"]);
        Assert.Equal(1, scrape["durex_command_duration_seconds_count{command=\"flaky\",outcome=\"completed\"}"]);
        Assert.Equal(2, scrape["durex_command_wait_seconds_count{command=\"flaky\"}"]);
        Assert.Equal(2, scrape["durex_commands_started_total{command=\"flaky\"}"]);
        await Promtool.AssertValidAsync(scrape.Text);
    }

    [Fact]
    public async Task A_second_exporter_under_the_same_names_must_use_the_same_buckets()
    {
        var registry = Metrics.NewCustomRegistry();
        await using var first = NewExecutor();
        await using var second = NewExecutor();
        using var metrics = DurexPrometheusMetrics.Attach(first, o => o.Registry = registry);
        var error = Assert.Throws<ArgumentException>(() => DurexPrometheusMetrics.Attach(second, o =>
        {
            o.Registry = registry;
            o.Buckets = [1, 2];
        }));
        Assert.Contains("with other Buckets or DurationByOutcome", error.Message, StringComparison.Ordinal);

        // Other names in the same registry are another metric set.
        using var other = DurexPrometheusMetrics.Attach(second, o =>
        {
            o.Registry = registry;
            o.Namespace = "other";
            o.Buckets = [1, 2];
        });
        Assert.Equal("other_", other.MetricPrefix);
    }

    internal static Executor NewExecutor(Action<ExecutorOptions>? configure = null) =>
        new(new MemoryStore(), o =>
        {
            o.TimeProvider = new FakeTimeProvider(WorkloadTests.Epoch);
            configure?.Invoke(o);
        });

    internal static async Task RunAsync(Executor executor)
    {
        await executor.StartAsync().WaitAsync(WorkloadTests.HangGuard);
        await executor.WaitForIdleAsync().WaitAsync(WorkloadTests.HangGuard);
    }

    private static void Attach(Action<DurexPrometheusOptions> configure)
    {
        using var executor = new DisposableExecutor();
        DurexPrometheusMetrics.Attach(executor.Executor, o =>
        {
            o.Registry = Metrics.NewCustomRegistry();
            configure(o);
        }).Dispose();
    }

    private sealed class DisposableExecutor : IDisposable
    {
        public Executor Executor { get; } = NewExecutor();

        public void Dispose() => Executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
