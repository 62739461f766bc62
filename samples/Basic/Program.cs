// Durex basic sample: simple jobs, retries with a compensation hook, a repeating job, fan-out, a sequence and a
// delayed job, on a SQLite file (pass --memory for the in-memory store). It runs everything to completion, prints what
// happened and exits. Run it again: the file keeps the history of earlier runs.
using Durex;
using Durex.Sqlite;
using Durex.Storage;

var path = Path.Combine(AppContext.BaseDirectory, "durex-sample.db");
await using ICommandStore store = args.Contains("--memory") ? new MemoryStore() : new SqliteStore(path);
Console.WriteLine(store is SqliteStore ? $"store: {path}" : "store: in memory");
await using var executor = new Executor(store, o =>
{
    o.Parallelism = 4;
    o.Backoff = Backoff.Constant(TimeSpan.FromMilliseconds(200));
});

executor.Handle("greet", (ctx, ct) =>
{
    Console.WriteLine($"  greet: Hello, {ctx.Data.GetString("name")}!");
    return ValueTask.FromResult(CommandResult.Empty);
});

// Fails twice, succeeds on the third attempt (Retries(3) allows four).
executor.Handle("sendEmail", (ctx, ct) =>
{
    if (ctx.Attempt < 3)
    {
        Console.WriteLine($"  sendEmail: attempt {ctx.Attempt} failed (SMTP busy), {ctx.RetriesLeft} retries left");
        throw new InvalidOperationException("SMTP server busy");
    }

    Console.WriteLine($"  sendEmail: sent to {ctx.Data.GetString("to")} on attempt {ctx.Attempt}");
    return ValueTask.FromResult(CommandResult.Empty);
}, c => c.Retries(3).OnRecover((ctx, error, ct) =>
{
    Console.WriteLine($"  sendEmail: giving up ({error.Message}), notifying support");
    return ValueTask.FromResult(CommandResult.Next(new CommandSpec("greet") { Data = { ["name"] = "support" } }));
}));

// Repeats every 300 ms, three runs in all.
var beats = 0;
executor.Handle("heartbeat", (ctx, ct) =>
{
    beats++;
    Console.WriteLine($"  heartbeat: beat {beats}");
    return ValueTask.FromResult(beats < 3 ? CommandResult.Repeat() : CommandResult.Empty);
}, c => c.Period(TimeSpan.FromMilliseconds(300)));

// Fan-out and fan-in: three notifications, then a summary that sees their results.
executor.Handle("notifyAll", (ctx, ct) => ValueTask.FromResult(CommandResult.SpawnThen(
    new[] { "alice", "bob", "carol" }.Select(user => new CommandSpec("notify") { Data = { ["user"] = user } }),
    new CommandSpec("summarize"))));
executor.Handle("notify", (ctx, ct) =>
{
    ctx.Set("notifiedAt", DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff"));
    Console.WriteLine($"  notify: {ctx.Data.GetString("user")}");
    return ValueTask.FromResult(CommandResult.Empty);
});
executor.Handle("summarize", (ctx, ct) =>
{
    Console.WriteLine($"  summarize: {ctx.FanInResults.Count} notifications done ({string.Join(", ", ctx.FanInResults.Select(r => r.Data.GetString("user")))})");
    return ValueTask.FromResult(CommandResult.Empty);
});

// A sequence: each step passes data to the next.
executor.Handle("validate", (ctx, ct) =>
{
    ctx.Set("validated", true);
    Console.WriteLine($"  validate: order {ctx.Data.GetString("orderId")}");
    return ValueTask.FromResult(ctx.ContinueSequence());
});
executor.Handle("ship", (ctx, ct) =>
{
    Console.WriteLine($"  ship: order {ctx.Data.GetString("orderId")} (validated: {ctx.Data.GetBoolean("validated")})");
    return ValueTask.FromResult(ctx.ContinueSequence());
});

await executor.StartAsync();
Console.WriteLine("Durex basic sample: enqueueing work");
await executor.AddAsync(new CommandSpec("greet") { Data = { ["name"] = "World" } });
var email = await executor.AddAsync(new CommandSpec("sendEmail") { Data = { ["to"] = "user@example.com" } });
await executor.AddAsync(new CommandSpec("heartbeat"));
await executor.AddAsync(new CommandSpec("notifyAll"));
await executor.AddAsync(new CommandSpec("validate") { Sequence = ["ship"], Data = { ["orderId"] = "A-1001" } });
await executor.AddAsync(new CommandSpec("greet") { Data = { ["name"] = "later" }, Delay = TimeSpan.FromSeconds(1) });

// Wait until everything (including the repeats and the delayed greeting) has finished.
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
while (!timeout.IsCancellationRequested)
{
    await executor.WaitForIdleAsync(timeout.Token);
    var active = await store.FindAsync(new Durex.Storage.CommandQuery
    {
        Statuses = [CommandStatus.Pending, CommandStatus.Waiting, CommandStatus.Started, CommandStatus.Repeating],
        Limit = 1,
    }, timeout.Token);
    if (active.Items.Count == 0)
    {
        break;
    }

    await Task.Delay(100, timeout.Token); // something is scheduled for later: give the clock a moment
}

Console.WriteLine();
Console.WriteLine($"History of sendEmail {email.Id}:");
foreach (var entry in await executor.GetHistoryAsync(email.Id))
{
    var error = entry.Error?.Split('\n')[0]; // the full detail includes the stack trace
    Console.WriteLine($"  {entry.Timestamp:HH:mm:ss.fff} {entry.Type.ToWireName(),-10} attempt {entry.Attempt} {error}");
}

var stats = await store.GetStatisticsAsync(new Durex.Storage.StatisticsRequest { Now = DateTimeOffset.UtcNow });
Console.WriteLine($"Done: {stats.Counts[CommandStatus.Completed]} completed, {stats.Counts[CommandStatus.Failed]} failed.");
