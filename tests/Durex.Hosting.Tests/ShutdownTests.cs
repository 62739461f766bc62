using Durex.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durex.Hosting.Tests;

/// <summary>The host's stop drains the executor: running commands finish, or go back to pending when the host gives up.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Host_stop_waits_for_the_running_command_to_finish()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = TestHost.Build(b =>
        {
            b.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromMinutes(5));
            b.Services.AddDurex(o =>
                {
                    o.UseSqlite(_directory.File("durex.db"));
                    o.Executor.ShutdownTimeout = TimeSpan.FromMinutes(5);
                })
                .Handle("slow", async (_, _) =>
                {
                    started.TrySetResult();
                    await release.Task;                                     // ignores its token: only finishing ends it
                    return CommandResult.Empty;
                });
        });
        await host.StartAsync();
        var executor = host.Executor();
        var command = await executor.AddAsync(new CommandSpec("slow"));
        await started.Task.Guard();

        var stopping = host.StopAsync();
        Assert.False(stopping.IsCompleted);                                 // blocked on the running handler
        release.SetResult();
        await stopping.Guard();

        Assert.False(executor.IsRunning);
        var stored = await executor.GetAsync(command.Id);
        Assert.Equal(CommandStatus.Completed, stored!.Status);
        Assert.Equal(1, stored.Attempt);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task When_the_shutdown_timeout_runs_out_the_running_command_goes_back_to_pending()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var path = _directory.File("durex.db");
        var host = TestHost.Build(b => b.Services.AddDurex(o =>
            {
                o.UseSqlite(path);
                o.Executor.ShutdownTimeout = TimeSpan.Zero;                 // no grace: cancel running handlers at once
            })
            .Handle("endless", async (_, cancellationToken) =>
            {
                started.TrySetResult();
                await Blocking.UntilCancelledAsync(cancellationToken);
                return CommandResult.Empty;
            }));
        await host.StartAsync();
        var executor = host.Executor();
        var command = await executor.AddAsync(new CommandSpec("endless"));
        await started.Task.Guard();

        await host.StopAsync().Guard();

        var stored = await executor.GetAsync(command.Id);
        Assert.Equal(CommandStatus.Pending, stored!.Status);                // handed back, not failed
        Assert.Null(stored.Error);
        Assert.Null(stored.LeaseOwner);
        Assert.Equal(HistoryEventType.Interrupted, (await executor.GetHistoryAsync(command.Id))[^1].Type);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_cancelled_shutdown_token_stops_at_once_and_cancels_the_running_handler()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var path = _directory.File("durex.db");
        var host = TestHost.Build(b =>
        {
            b.Services.AddDurex(o =>
                {
                    o.UseSqlite(path);
                    o.Executor.ShutdownTimeout = TimeSpan.FromMinutes(5);
                })
                .Handle("endless", async (_, cancellationToken) =>
                {
                    started.TrySetResult();
                    try
                    {
                        await Blocking.UntilCancelledAsync(cancellationToken);
                    }
                    finally
                    {
                        cancelled.TrySetResult();
                    }

                    return CommandResult.Empty;
                });
        });
        await host.StartAsync();
        var executor = host.Executor();
        var command = await executor.AddAsync(new CommandSpec("endless"));
        await started.Task.Guard();

        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        await host.StopAsync(now.Token).Guard();                           // does not wait out the 5-minute ShutdownTimeout

        await cancelled.Task.Guard();                                       // the handler's token was cancelled
        Assert.False(executor.IsRunning);
        await host.DisposeAsyncNow();

        // Never failed, never lost: the handler honoured its token, so its command was handed back (pending) at once.
        await using var store = new Durex.Sqlite.SqliteStore(path);
        var stored = await store.GetAsync(command.Id);
        Assert.Equal(CommandStatus.Pending, stored!.Status);
        Assert.Null(stored.Error);
    }
}
