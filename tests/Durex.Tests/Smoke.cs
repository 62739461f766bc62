using Microsoft.Extensions.Time.Testing;

namespace Durex.Tests;

public class SmokeTests
{
    [Fact]
    public async Task Runs_a_command()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = new MemoryStore();
        await using var executor = new Executor(store, o => o.TimeProvider = time);
        var seen = new List<string?>();
        executor.Handle("greet", (ctx, ct) =>
        {
            seen.Add(ctx.Data.GetString("name"));
            return ValueTask.FromResult(CommandResult.Empty);
        });
        await executor.StartAsync();
        var cmd = await executor.AddAsync(new CommandSpec("greet") { Data = { ["name"] = "World" } });
        await executor.WaitForIdleAsync();
        Assert.Equal(["World"], seen);
        var stored = await executor.GetAsync(cmd.Id);
        Assert.Equal(CommandStatus.Completed, stored!.Status);
        var history = await executor.GetHistoryAsync(cmd.Id);
        Assert.Equal([HistoryEventType.Created, HistoryEventType.Started, HistoryEventType.Completed], history.Select(h => h.Type));
    }
}
