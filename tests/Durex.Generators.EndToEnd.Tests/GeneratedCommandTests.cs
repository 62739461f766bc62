using Durex.Generators.EndToEnd.Tests.UserCode;
using Durex.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Generators.EndToEnd.Tests;

/// <summary>User code compiled with the generator, run on the memory store through what the generator emitted.</summary>
public sealed class GeneratedCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IAsyncDisposable> _disposables = [];

    public Task InitializeAsync()
    {
        Recorder.Take();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            await disposable.DisposeAsync();
        }
    }

    /// <summary>An executor over a memory store; with the services the handler classes take, unless told otherwise.</summary>
    private Executor NewExecutor(bool withServices = true)
    {
        var services = withServices
            ? new ServiceCollection().AddSingleton(new Mailer()).AddSingleton(new Payments()).AddScoped<AttemptScope>().BuildServiceProvider()
            : null;
        var executor = new Executor(new MemoryStore(), o =>
        {
            o.TimeProvider = _time;
            o.Parallelism = 1; // one worker: the fan-out tests see members in spawn order
            o.Services = services;
        });
        _disposables.Add(executor);
        return executor;
    }

    private static async Task IdleAsync(Executor executor) => await executor.WaitForIdleAsync().WaitAsync(HangGuard);

    [Fact]
    public async Task A_typed_stub_enqueues_the_payload_and_the_static_handler_receives_it()
    {
        var executor = NewExecutor().AddGeneratedCommands();
        await executor.StartAsync();

        var command = await Jobs.SendEmail.EnqueueAsync(executor, new EmailData("ada@example.com", "Welcome"));
        await IdleAsync(executor);

        Assert.Equal("sendEmail", Jobs.SendEmail.Name);
        Assert.Equal(["sendEmail ada@example.com #1"], Recorder.Take());
        var stored = await executor.GetAsync(command.Id);
        Assert.Equal(CommandStatus.Completed, stored!.Status);
        Assert.Equal("""{"To":"ada@example.com","Subject":"Welcome"}""", stored.Data.ToString());
        Assert.Equal(["email"], stored.Tags);
        Assert.Equal(5, stored.Priority);
    }

    [Fact]
    public async Task Attribute_retries_apply_and_a_failing_command_ends_failed_after_them()
    {
        var executor = NewExecutor().AddGeneratedCommands();
        await executor.StartAsync();

        var command = await Jobs.SendEmail.EnqueueAsync(executor, new EmailData("fail@example.com", "Hi"));
        await IdleAsync(executor);

        Assert.Equal(["sendEmail fail@example.com #1", "sendEmail fail@example.com #2", "sendEmail fail@example.com #3"], Recorder.Take());
        var stored = await executor.GetAsync(command.Id);
        Assert.Equal(CommandStatus.Failed, stored!.Status);
        Assert.Contains("mailbox fail@example.com is full", stored.Error);
    }

    [Fact]
    public async Task Schedule_stubs_run_the_command_at_the_time_given()
    {
        var executor = NewExecutor().AddGeneratedCommands();
        await executor.StartAsync();

        await Jobs.SendEmail.ScheduleAsync(executor, new EmailData("later@example.com", "Soon"), TimeSpan.FromMinutes(5));
        await Jobs.SendEmail.ScheduleAsync(executor, new EmailData("at@example.com", "Soon"), _time.GetUtcNow().AddMinutes(10));
        await IdleAsync(executor);
        Assert.Empty(Recorder.Take());

        _time.Advance(TimeSpan.FromMinutes(5));
        await IdleAsync(executor);
        Assert.Equal(["sendEmail later@example.com #1"], Recorder.Take());

        _time.Advance(TimeSpan.FromMinutes(5));
        await IdleAsync(executor);
        Assert.Equal(["sendEmail at@example.com #1"], Recorder.Take());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await Jobs.SendEmail.ScheduleAsync(executor, new EmailData("x@example.com", "x"), TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task Spec_feeds_results_and_enqueue_options_override_the_attribute()
    {
        var executor = NewExecutor().AddGeneratedCommands();
        await executor.StartAsync();

        var spec = Jobs.SendEmail.Spec(new EmailData("spec@example.com", "S"), new EnqueueOptions { Priority = 9, Tags = ["vip"], CorrelationId = "c-1" });
        var command = await executor.AddAsync(spec);
        await IdleAsync(executor);

        var stored = await executor.GetAsync(command.Id);
        Assert.Equal(9, stored!.Priority);
        Assert.Equal(["email", "vip"], stored.Tags.Order());
        Assert.Equal("c-1", stored.CorrelationId);
        Assert.Throws<ArgumentNullException>(() => Jobs.SendEmail.Spec(null!));
    }

    [Fact]
    public async Task Commands_without_payload_void_and_result_returning_handlers_and_the_user_json_context_all_run()
    {
        var executor = NewExecutor().AddGeneratedCommands();
        await executor.StartAsync();

        await Jobs.Ping.EnqueueAsync(executor);
        await Jobs.Audit.EnqueueAsync(executor, new AuditEntry { Action = "retry-once", Extra = new() { ["who"] = "ops" } });
        await IdleAsync(executor);

        Assert.Equal(["ping", "audit retry-once 1", "audit retry-once 1"], Recorder.Take());
    }

    [Fact]
    public async Task The_expired_hook_named_by_the_attribute_runs_when_the_deadline_passes()
    {
        var executor = NewExecutor().AddGeneratedCommands();
        await Jobs.DailyReport.ScheduleAsync(executor, TimeSpan.FromMinutes(5)); // deadline 60 s after enqueue
        _time.Advance(TimeSpan.FromMinutes(5));
        await executor.StartAsync();
        await IdleAsync(executor);

        Assert.Equal(["too late daily-report"], Recorder.Take());
    }

    [Fact]
    public async Task Instance_handlers_are_created_per_attempt_from_the_attempt_scope()
    {
        var mailer = new Mailer();
        using var host = Host(services => services.AddSingleton(mailer).AddScoped<AttemptScope>());
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IDurexClient>();
        var executor = host.Services.GetRequiredService<Executor>();

        await Jobs.Notify.EnqueueAsync(client, new Notification(1, "hello"));
        await Jobs.Notify.EnqueueAsync(client, new Notification(2, "hi"));
        await IdleAsync(executor);

        var sent = mailer.Sent.ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal(["1:hello", "2:hi"], sent.Select(s => string.Join(':', s.Split(':').Take(2))).Order());
        Assert.NotEqual(sent[0].Split(':')[2], sent[1].Split(':')[2]); // one scope per attempt
        await host.StopAsync();
    }

    [Fact]
    public async Task The_unique_key_template_is_filled_from_the_payload()
    {
        var mailer = new Mailer();
        using var host = Host(services => services.AddSingleton(mailer).AddScoped<AttemptScope>());
        var client = host.Services.GetRequiredService<IDurexClient>();

        var first = await Jobs.Notify.EnqueueAsync(client, new Notification(7, "one"));
        var duplicate = await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Jobs.Notify.EnqueueAsync(client, new Notification(7, "two")));
        var other = await Jobs.Notify.EnqueueAsync(client, new Notification(8, "three"));

        Assert.Equal("notify-7", first.UniqueKey);
        Assert.Contains(first.Id.ToString(), duplicate.Message);
        Assert.Equal("notify-8", other.UniqueKey);
    }

    [Fact]
    public async Task The_recover_hook_of_an_instance_handler_gets_the_payload_and_the_error()
    {
        using var host = Host(services => services.AddSingleton(new Mailer()).AddScoped<AttemptScope>());
        await host.StartAsync();
        var executor = host.Services.GetRequiredService<Executor>();

        await Jobs.Notify.EnqueueAsync(executor, new Notification(3, "boom"));
        await IdleAsync(executor);

        Assert.Equal(["gave up on 3: the notification service is down"], Recorder.Take());
        await host.StopAsync();
    }

    [Fact]
    public async Task A_missing_constructor_dependency_fails_the_host_start_naming_it()
    {
        using var host = Host(services => services.AddScoped<AttemptScope>()); // no Mailer

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("NotificationCommands", error.Message);
        Assert.Contains(typeof(Mailer).FullName!, error.Message);
    }

    [Fact]
    public void A_handler_class_with_dependencies_needs_services_on_a_bare_executor()
    {
        var error = Assert.Throws<InvalidOperationException>(() => NewExecutor(withServices: false).AddGeneratedCommands());

        Assert.Contains("AddGeneratedCommands", error.Message);
        Assert.Contains("ExecutorOptions.Services", error.Message);
    }

    private IHost Host(Action<IServiceCollection> configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true }));
        builder.Services.AddSingleton(new Payments());
        configure(builder.Services);
        builder.Services.AddDurex(o =>
        {
            o.UseInMemory();
            o.Executor.TimeProvider = _time;
        }).AddGeneratedCommands();
        return builder.Build();
    }
}
