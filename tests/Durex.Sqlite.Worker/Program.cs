// One of several processes draining the same SQLite file: waits for "go" on stdin (so all processes start together),
// runs every "record" command, writes the id of each command it executed to its output file, and exits when no command
// is pending or running any more.
//
//   Durex.Sqlite.Worker <database> <output-file> [parallelism]
//
// With --trace it runs the "traced" command (which spawns "traced-child") under an ActivityListener instead, and writes
// each Durex span as "name|kind|trace id|span id|parent span id": the test enqueued it in its own process.
//
//   Durex.Sqlite.Worker --trace <database> <output-file>
using System.Diagnostics;
using System.Globalization;
using Durex;
using Durex.Diagnostics;
using Durex.Sqlite;

if (args is ["--trace", var tracedDatabase, var traceOutput])
{
    return await TraceAsync(tracedDatabase, traceOutput);
}

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Durex.Sqlite.Worker <database> <output-file> [parallelism]");
    return 2;
}

var parallelism = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
var executed = new System.Collections.Concurrent.ConcurrentQueue<Guid>();
await using var store = new SqliteStore(args[0]);
await using var executor = new Executor(store, o =>
{
    o.Parallelism = parallelism;
    o.ClaimBatchSize = 50;
    o.PollInterval = TimeSpan.FromMilliseconds(20); // the other process's enqueues and outcomes are not signalled here
});
executor.Handle("record", (ctx, _) =>
{
    executed.Enqueue(ctx.Id);
    return ValueTask.FromResult(CommandResult.Empty);
});
await store.InitializeAsync();
Console.WriteLine("ready");
if (Console.ReadLine() != "go")
{
    return 3;
}

await executor.StartAsync();
while (true)
{
    await executor.WaitForIdleAsync();
    var stats = await executor.GetStatisticsAsync();
    // Nothing left to claim: commands still STARTED belong to the other process, which
    // finishes them itself (the test checks every command completed once both exit).
    if (stats.Counts[CommandStatus.Pending] == 0)
    {
        break;
    }
}

await executor.StopAsync();
await File.WriteAllLinesAsync(args[1], executed.Select(id => id.ToString()));
Console.WriteLine($"done {executed.Count}");
return 0;

static async Task<int> TraceAsync(string database, string output)
{
    var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
    using var listener = new ActivityListener
    {
        ShouldListenTo = source => source.Name == DurexDiagnostics.ActivitySourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        ActivityStopped = spans.Enqueue,
    };
    ActivitySource.AddActivityListener(listener);
    await using var store = new SqliteStore(database);
    await using (var executor = new Executor(store))
    {
        executor.Handle("traced", (_, _) => ValueTask.FromResult(CommandResult.Next(new CommandSpec("traced-child"))));
        executor.Handle("traced-child", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        await executor.StartAsync();
        await executor.WaitForIdleAsync();
    }

    await File.WriteAllLinesAsync(output, spans.Select(a => $"{a.DisplayName}|{a.Kind}|{a.TraceId}|{a.SpanId}|{a.ParentSpanId}"));
    return 0;
}
