using Durex.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Hosting.Tests;

/// <summary>The health check through the real HealthCheckService: not started, running, stopping, old queue, failing store.</summary>
public sealed class HealthTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    private IHost Build(Action<DurexOptions> store, Action<IHealthChecksBuilder>? checks = null, Action<IDurexBuilder>? handlers = null) =>
        TestHost.Build(b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            var durex = b.Services.AddDurex(o =>
            {
                store(o);
                o.Executor.Parallelism = 3;
            });
            durex.Handle("noop", (_, _) => ValueTask.FromResult(CommandResult.Empty));
            handlers?.Invoke(durex);
            var health = b.Services.AddHealthChecks();
            if (checks is null)
            {
                health.AddDurex(maxQueueAge: TimeSpan.FromMinutes(5));
            }
            else
            {
                checks(health);
            }
        });

    private static async Task<HealthReportEntry> CheckAsync(IHost host, string name = "durex")
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries[name];
    }

    [Fact]
    public async Task Not_started_is_unhealthy()
    {
        var host = Build(o => o.UseSqlite(_directory.File("durex.db")));

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("executor not started", entry.Description);
        Assert.Equal("unhealthy", entry.Data["status"]);
        Assert.Equal(false, entry.Data["started"]);
        Assert.Equal(true, entry.Data["storage_ok"]);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_client_only_process_is_healthy_while_its_store_answers()
    {
        var store = new FaultyStore(new MemoryStore());
        var host = TestHost.Build(b =>
        {
            b.Services.AddDurexClient(o => o.UseStore(_ => store));
            b.Services.AddHealthChecks().AddDurex();
        });
        await host.StartAsync();

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, entry.Status);                   // nothing runs here, and that is fine
        Assert.Equal(false, entry.Data["started"]);
        Assert.Equal(true, entry.Data["storage_ok"]);

        store.FailStatistics = true;
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(host)).Status);
        await host.StopAsync();
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_client_that_met_a_database_outage_at_first_use_recovers_when_it_is_back()
    {
        var store = new FaultyStore(new MemoryStore()) { FailInitialize = true };
        var host = TestHost.Build(b =>
        {
            b.Services.AddDurexClient(o => o.UseStore(_ => store));
            b.Services.AddHealthChecks().AddDurex();
        });
        await host.StartAsync();

        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(host)).Status);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await host.Executor().AddAsync(new CommandSpec("noop")));

        store.FailInitialize = false;                                       // the failed initialization is not cached
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
        await host.Executor().AddAsync(new CommandSpec("noop"));
        await host.StopAsync();
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task Running_is_healthy_with_the_go_fields()
    {
        var host = Build(o => o.UseSqlite(_directory.File("durex.db")));
        await host.StartAsync();

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("healthy", entry.Data["status"]);
        Assert.Equal(true, entry.Data["started"]);
        Assert.Equal(false, entry.Data["stopping"]);
        Assert.Equal(true, entry.Data["storage_ok"]);
        Assert.Equal(3, entry.Data["worker_count"]);
        Assert.Equal(0L, entry.Data["queue_depth"]);
        Assert.Equal(0d, entry.Data["oldest_ready_age_seconds"]);
        Assert.Equal("2025-01-15T10:30:00Z", entry.Data["timestamp"]);
        Assert.False(entry.Data.ContainsKey("message"));

        await host.StopAsync();
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(host)).Status);   // stopped: not started any more
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_ready_command_waiting_longer_than_the_limit_is_degraded()
    {
        var host = Build(o => o.UseSqlite(_directory.File("durex.db")));
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IDurexClient>();
        await client.AddAsync(new CommandSpec("handledElsewhere"));        // no handler here: it stays ready
        await host.Executor().WaitForIdleAsync().Guard();

        var fresh = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, fresh.Status);
        Assert.Equal(1L, fresh.Data["queue_depth"]);

        _clock.Advance(TimeSpan.FromMinutes(10));
        var old = await CheckAsync(host);

        Assert.Equal(HealthStatus.Degraded, old.Status);
        Assert.Equal("degraded", old.Data["status"]);
        Assert.Equal(600d, old.Data["oldest_ready_age_seconds"]);
        Assert.Equal("the oldest ready command has waited 00:10:00, longer than the allowed 00:05:00", old.Description);

        await host.StopAsync();
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task Stopping_is_degraded()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = Build(o => o.UseSqlite(_directory.File("durex.db")), handlers: d => d.Handle("slow", async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
            return CommandResult.Empty;
        }));
        await host.StartAsync();
        var executor = host.Executor();
        await executor.AddAsync(new CommandSpec("slow"));
        await started.Task.Guard();

        var stopping = executor.StopAsync();
        Assert.True(executor.IsStopping);                                   // draining the running handler
        var entry = await CheckAsync(host);
        release.SetResult();
        await stopping.Guard();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("executor is shutting down", entry.Description);
        Assert.Equal(true, entry.Data["stopping"]);
        await host.StopAsync();
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_failing_store_is_unhealthy_or_the_registrations_failure_status()
    {
        var store = new FaultyStore(new MemoryStore());
        var host = Build(o => o.UseStore(_ => store), checks: h => h
            .AddDurex()
            .AddDurex("durex-soft", failureStatus: HealthStatus.Degraded, tags: ["ready"]));
        await host.StartAsync();
        store.FailStatistics = true;

        var entry = await CheckAsync(host);
        var soft = await CheckAsync(host, "durex-soft");

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("storage error: the disk is on fire", entry.Description);
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.Equal(false, entry.Data["storage_ok"]);
        Assert.Equal(true, entry.Data["started"]);
        Assert.False(entry.Data.ContainsKey("queue_depth"));
        Assert.Equal(HealthStatus.Degraded, soft.Status);
        Assert.Equal(["ready"], soft.Tags);

        store.FailStatistics = false;
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
        await host.StopAsync();
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_store_that_does_not_answer_within_five_seconds_is_unhealthy()
    {
        var store = new FaultyStore(new MemoryStore());
        var host = Build(o => o.UseStore(_ => store));
        await host.StartAsync();
        store.HangStatistics = true;

        var check = host.Executor().CheckHealthAsync();
        await store.StatisticsEntered.Task.Guard();
        _clock.Advance(TimeSpan.FromSeconds(5));
        var report = await check.Guard();

        Assert.Equal(DurexHealthStatus.Unhealthy, report.Status);
        Assert.False(report.StorageOk);
        Assert.IsType<TimeoutException>(report.Error);
        Assert.Equal("storage error: The store did not answer within 00:00:05.", report.Message);

        store.HangStatistics = false;
        await host.StopAsync();
        await host.DisposeAsyncNow();
    }
}
