using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durex.Hosting.Tests;

/// <summary>A process that only enqueues (a web front end) and a worker process on the same SQLite file.</summary>
public sealed class ClientOnlyTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_client_only_host_enqueues_and_a_worker_host_runs_the_command()
    {
        var path = _directory.File("shared.db");
        var web = TestHost.Build(b => b.Services.AddDurexClient(o => o.UseSqlite(path)));
        var ran = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = TestHost.Build(b => b.Services.AddDurex(o => o.UseSqlite(path))
            .Handle("sendReceipt", (context, _) =>
            {
                ran.TrySetResult(context.Data.GetString("order"));
                return ValueTask.FromResult(CommandResult.Empty);
            }));
        try
        {
            await web.StartAsync();
            // Only the startup checks (a no-op without a dashboard): nothing that starts the executor.
            Assert.Equal(["DurexStartupCheckService"],
                web.Services.GetServices<IHostedService>().Where(s => s.GetType().Assembly == typeof(Executor).Assembly).Select(s => s.GetType().Name));
            var client = web.Services.GetRequiredService<IDurexClient>();
            var command = await client.AddAsync(new CommandSpec("sendReceipt") { Data = { ["order"] = "A-42" } });
            Assert.False(web.Executor().IsRunning);                         // nothing runs in the client process
            Assert.Equal(CommandStatus.Pending, (await client.GetAsync(command.Id))!.Status);

            await worker.StartAsync();
            await worker.Executor().WaitForIdleAsync().Guard();

            Assert.Equal("A-42", await ran.Guard());
            Assert.Equal(CommandStatus.Completed, (await client.GetAsync(command.Id))!.Status);
        }
        finally
        {
            await worker.StopAsync();
            await web.StopAsync();
            await worker.DisposeAsyncNow();
            await web.DisposeAsyncNow();
        }
    }
}
