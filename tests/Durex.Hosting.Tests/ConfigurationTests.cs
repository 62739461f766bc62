using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Durex.Hosting.Tests;

/// <summary>Settings from appsettings.json's "Durex" section, read without the reflection binder and validated at start.</summary>
public sealed class ConfigurationTests
{
    private static IHost Build(string json, Action<DurexOptions>? configure = null) =>
        TestHost.Build(b => b.Services.AddDurex(b.Configuration.GetSection("Durex"), o =>
        {
            o.UseInMemory();
            configure?.Invoke(o);
        }), json);

    [Fact]
    public async Task Every_setting_binds_from_json()
    {
        const string json = """
            {
              "Durex": {
                "Parallelism": 8,
                "DefaultRetries": 3,
                "DefaultTimeout": "45s",
                "DefaultPeriod": "00:05:00",
                "ShutdownTimeout": "1m",
                "PollInterval": "250ms",
                "ClaimBatchSize": 50,
                "ApplyBatchSize": 200,
                "LeaseDuration": "2m",
                "RescueInterval": "20s",
                "StatisticsInterval": "30s",
                "InstanceName": "worker-1",
                "MaxRescues": 5,
                "MaxPayloadBytes": 65536,
                "DeadLetterQueue": true,
                "GlobalConcurrencyLimit": 6,
                "ConcurrencyLimits": { "sendEmail": 2, "chargeCard": 1 },
                "Retention": {
                  "CleanupInterval": "30m",
                  "Completed": "12h",
                  "Failed": "3d",
                  "Expired": "1.00:00:00",
                  "Cancelled": null,
                  "DeadLetter": "30d",
                  "BatchSize": 250
                }
              }
            }
            """;
        var host = Build(json);
        await host.StartAsync();
        var o = host.Executor().Options;

        Assert.Equal(8, o.Parallelism);
        Assert.Equal(3, o.DefaultRetries);
        Assert.Equal(TimeSpan.FromSeconds(45), o.DefaultTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), o.DefaultPeriod);
        Assert.Equal(TimeSpan.FromMinutes(1), o.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.PollInterval);
        Assert.Equal(50, o.ClaimBatchSize);
        Assert.Equal(5, o.MaxRescues);
        Assert.Equal(65536, o.MaxPayloadBytes);
        Assert.Equal(200, o.ApplyBatchSize);
        Assert.Equal(TimeSpan.FromMinutes(2), o.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(20), o.RescueInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), o.StatisticsInterval);
        Assert.Equal("worker-1", o.InstanceName);
        Assert.Equal("worker-1", host.Executor().InstanceName);
        Assert.True(o.DeadLetterQueue);
        Assert.Equal(6, o.GlobalConcurrencyLimit);
        Assert.Equal(new Dictionary<string, int> { ["sendEmail"] = 2, ["chargeCard"] = 1 }, o.ConcurrencyLimits);
        Assert.Equal(TimeSpan.FromMinutes(30), o.Retention.CleanupInterval);
        Assert.Equal(TimeSpan.FromHours(12), o.Retention.Completed);
        Assert.Equal(TimeSpan.FromDays(3), o.Retention.Failed);
        Assert.Equal(TimeSpan.FromDays(1), o.Retention.Expired);
        Assert.Null(o.Retention.Cancelled);                                 // JSON null: keep forever
        Assert.Equal(TimeSpan.FromDays(30), o.Retention.DeadLetter);
        Assert.Equal(250, o.Retention.BatchSize);

        await host.StopAsync();
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task Code_runs_after_configuration_and_wins()
    {
        var host = Build("""{ "Durex": { "Parallelism": 8, "DefaultTimeout": "none" } }""", o => o.Executor.Parallelism = 2);
        await host.StartAsync();

        Assert.Equal(2, host.Executor().Options.Parallelism);
        Assert.Null(host.Executor().Options.DefaultTimeout);
        await host.StopAsync();
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_value_that_is_not_a_number_fails_the_start_with_its_path()
    {
        var host = Build("""{ "Durex": { "Parallelism": "abc", "ShutdownTimeout": "30", "DeadLetterQueue": "yes", "Retention": "7d" } }""");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Durex:Parallelism: 'abc' is not an integer.", error.Message);
        Assert.Contains("Durex:ShutdownTimeout: '30' has no unit", error.Message);          // TimeSpan.Parse("30") would be 30 days
        Assert.Contains("Durex:DeadLetterQueue: 'yes' is not true or false.", error.Message);
        Assert.Contains("Durex:Retention: '7d' is not valid here; expected an object with CleanupInterval, Completed,", error.Message);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task An_unknown_key_fails_the_start_naming_the_known_ones()
    {
        var host = Build("""{ "Durex": { "Paralelism": 8, "Retention": { "Complete": "1d" } } }""");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Durex:Paralelism is not a Durex setting. Did you mean 'Parallelism'?", error.Message);
        Assert.Contains("Known settings under Durex: Parallelism, DefaultRetries,", error.Message);
        Assert.Contains("Durex:Retention:Complete is not a Durex setting. Did you mean 'Completed'?", error.Message);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task An_invalid_value_fails_the_start_with_the_executors_message_and_the_key()
    {
        var host = Build("""{ "Durex": { "Parallelism": 0 } }""");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ExecutorOptions.Parallelism must be at least 1 (was 0). (set by configuration key Durex:Parallelism)", error.Message);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task An_invalid_value_set_in_code_fails_the_start_of_a_client_only_host_too()
    {
        var host = TestHost.Build(b => b.Services.AddDurexClient(o =>
        {
            o.UseInMemory();
            o.Executor.LeaseDuration = TimeSpan.FromMilliseconds(10);
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ExecutorOptions.LeaseDuration must be at least one second.", error.Message);
        await host.DisposeAsyncNow();
    }
}
