using Durex.Conformance;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durex.Hosting.Tests;

/// <summary>Commands run end to end in a Generic Host over a real SQLite file, with DI scopes per attempt.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Each_attempt_gets_its_own_scoped_instance_disposed_after_the_attempt()
    {
        var seen = new ConcurrentQueue<(AttemptScoped Instance, bool SameWithinAttempt, bool DisposedDuringAttempt)>();
        var host = TestHost.Build(b =>
        {
            b.Services.AddScoped<AttemptScoped>();
            b.Services.AddDurex(o => o.UseSqlite(_directory.File("durex.db")))
                .Handle("scoped", (context, _) =>
                {
                    var first = context.Services!.GetRequiredService<AttemptScoped>();
                    var second = context.Services!.GetRequiredService<AttemptScoped>();
                    seen.Enqueue((first, ReferenceEquals(first, second), first.Disposed));
                    if (context.Attempt == 1)
                    {
                        throw new InvalidOperationException("first attempt fails");
                    }

                    return ValueTask.FromResult(CommandResult.Empty);
                }, c => c.Retries(1));
        });
        try
        {
            await host.StartAsync();
            var executor = host.Executor();
            var command = await executor.AddAsync(new CommandSpec("scoped"));
            await executor.WaitForIdleAsync().Guard();

            Assert.Equal(CommandStatus.Completed, (await executor.GetAsync(command.Id))!.Status);
            var attempts = seen.ToArray();
            Assert.Equal(2, attempts.Length);
            Assert.All(attempts, a => Assert.True(a.SameWithinAttempt));      // one instance per attempt ...
            Assert.All(attempts, a => Assert.False(a.DisposedDuringAttempt));
            Assert.NotSame(attempts[0].Instance, attempts[1].Instance);     // ... and a new one for the retry
            Assert.All(attempts, a => Assert.True(a.Instance.Disposed));     // disposed when the attempt ended
        }
        finally
        {
            await host.StopAsync();
            await host.DisposeAsyncNow();
        }
    }

    [Fact]
    public async Task A_class_command_gets_scoped_and_singleton_dependencies_and_an_injected_client_enqueues()
    {
        var host = TestHost.Build(b =>
        {
            b.Services.AddSingleton<GreetingLog>();
            b.Services.AddScoped<AttemptScoped>();
            b.Services.AddSingleton<SignupService>();
            b.Services.AddDurex(o => o.UseSqlite(_directory.File("durex.db"))).AddCommand<GreetCommand>();
        });
        try
        {
            await host.StartAsync();
            var log = host.Services.GetRequiredService<GreetingLog>();
            var signup = host.Services.GetRequiredService<SignupService>();

            var id = await signup.SignUpAsync("Ada");
            await host.Executor().WaitForIdleAsync().Guard();

            var command = await host.Executor().GetAsync(id);
            Assert.Equal(CommandStatus.Completed, command!.Status);
            Assert.Equal(2, command.Attempt);                               // Configure's Retries(1) applied: the second attempt ran
            Assert.Equal(["Hello, Ada! (attempt 2)"], log.Lines);
            Assert.Equal(2, log.Instances.Count);                           // a command instance per attempt ...
            Assert.NotSame(log.Instances[0], log.Instances[1]);
            Assert.All(log.Scoped, s => Assert.True(s.Disposed));            // ... each with its own scoped dependency, disposed
            Assert.NotSame(log.Scoped[0], log.Scoped[1]);
        }
        finally
        {
            await host.StopAsync();
            await host.DisposeAsyncNow();
        }
    }

    [Fact]
    public async Task A_recoverable_class_command_runs_its_compensation_from_a_scope()
    {
        var host = TestHost.Build(b =>
        {
            b.Services.AddSingleton<GreetingLog>();
            b.Services.AddScoped<AttemptScoped>();
            b.Services.AddDurex(o => o.UseSqlite(_directory.File("durex.db"))).AddCommand<ChargeCommand>();
        });
        try
        {
            await host.StartAsync();
            var client = host.Services.GetRequiredService<IDurexClient>();
            var command = await client.AddAsync(new CommandSpec("charge"));
            await host.Executor().WaitForIdleAsync().Guard();

            Assert.Equal(CommandStatus.Failed, (await client.GetAsync(command.Id))!.Status);
            Assert.Equal(["refund after: card declined"], host.Services.GetRequiredService<GreetingLog>().Lines);
        }
        finally
        {
            await host.StopAsync();
            await host.DisposeAsyncNow();
        }
    }

    [Fact]
    public async Task The_executor_uses_the_containers_services_and_the_client_is_the_executor()
    {
        var store = new FaultyStore(new MemoryStore());
        var host = TestHost.Build(b =>
        {
            b.Services.AddSingleton<GreetingLog>();
            b.Services.AddDurex(o => o.UseStore(_ => store));
        });
        await host.StartAsync();
        var executor = host.Executor();

        Assert.Same(executor, host.Services.GetRequiredService<IDurexClient>());
        Assert.Same(store, executor.Store);
        Assert.Same(store, host.Services.GetRequiredService<Durex.Storage.ICommandStore>());
        Assert.Same(host.Services.GetRequiredService<ILoggerFactory>(), executor.Options.LoggerFactory);
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), executor.Options.MeterFactory);
        Assert.Same(host.Services.GetRequiredService<GreetingLog>(), executor.Options.Services!.GetRequiredService<GreetingLog>());
        Assert.True(executor.IsRunning);

        await host.StopAsync();
        Assert.False(executor.IsRunning);
        Assert.Equal(0, store.Disposals);
        await host.DisposeAsyncNow();
        Assert.Equal(1, store.Disposals);                                   // the container owns the store
    }
}

internal sealed class AttemptScoped : IDisposable
{
    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}

internal sealed class GreetingLog
{
    public List<string> Lines { get; } = [];

    public List<object> Instances { get; } = [];

    public List<AttemptScoped> Scoped { get; } = [];
}

/// <summary>Application code that enqueues through an injected <see cref="IDurexClient"/>.</summary>
internal sealed class SignupService(IDurexClient durex)
{
    public async Task<Guid> SignUpAsync(string name) =>
        (await durex.AddAsync(new CommandSpec("greet") { Data = { ["name"] = name } })).Id;
}

internal sealed class GreetCommand(AttemptScoped scoped, GreetingLog log) : ICommandHandler
{
    public string Name => "greet";

    public void Configure(CommandOptions options) => options.Retries(1);

    public ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        log.Instances.Add(this);
        log.Scoped.Add(scoped);
        if (context.Attempt == 1)
        {
            throw new TimeoutException("mail server busy");
        }

        log.Lines.Add($"Hello, {context.Data.GetString("name")}! (attempt {context.Attempt})");
        return ValueTask.FromResult(CommandResult.Empty);
    }
}

internal sealed class ChargeCommand(AttemptScoped scoped, GreetingLog log) : ICommandHandler, IRecoverableCommand
{
    public string Name => "charge";

    public ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("card declined");

    public ValueTask<CommandResult> RecoverAsync(CommandContext context, Exception error, CancellationToken cancellationToken)
    {
        Assert.False(scoped.Disposed);
        log.Lines.Add($"refund after: {error.Message}");
        return ValueTask.FromResult(CommandResult.Empty);
    }
}
