// Durex in five minutes: durable commands on a SQLite file, one that fails twice and succeeds on a retry, one that
// repeats, and the dashboard to look at them. It prints what happened, then keeps running until Ctrl+C.
//
//   dotnet run --project samples/Basic
//   dotnet run --project samples/Basic -- --dashboard-url http://127.0.0.1:0 --exit-when-done
//
// --db PATH             the SQLite file (default: durex-basic.db in the current directory; delete it to start over)
// --dashboard-url URL   where the dashboard listens (default http://127.0.0.1:8080; port 0 picks a free one)
// --exit-when-done      stop once the demo's commands have finished, instead of waiting for Ctrl+C
using System.Runtime.InteropServices;
using Basic;
using Durex;
using Durex.Sqlite;

var dbPath = Path.GetFullPath(Option("--db") ?? "durex-basic.db");
var dashboardUrl = Option("--dashboard-url") ?? "http://127.0.0.1:8080";
var exitWhenDone = args.Contains("--exit-when-done");

// Ctrl+C (SIGINT) and SIGTERM stop the program gracefully instead of killing it.
using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

await using var store = new SqliteStore(dbPath);
await using var executor = new Executor(store, o =>
{
    o.Parallelism = 4;
    o.Backoff = Backoff.Constant(TimeSpan.FromSeconds(1)); // the wait between attempts of a failing command
    // A permanent command is enqueued at every start under a unique key: however often the program restarts on this
    // file, exactly one heartbeat stays scheduled.
    o.PermanentCommands.Add(Jobs.Heartbeat.Spec());
}).AddGeneratedCommands(); // the [DurexCommand] methods of Commands.cs, registered by generated code

// The other way to write a handler: a delegate registered by name, with an untyped JSON payload.
executor.Handle("greet", (context, cancellationToken) =>
{
    DemoCommands.Print($"greet: hello {context.Data.GetString("name")}! (a command registered by name)");
    return ValueTask.FromResult(CommandResult.Empty);
});

await using var dashboard = await StartDashboardAsync();
if (dashboard is null)
{
    return 2;
}

Console.WriteLine("Durex basic sample");
Console.WriteLine($"  store:     {dbPath}");
Console.WriteLine($"  dashboard: {dashboard.Uri}");
Console.WriteLine();
await executor.StartAsync();

// Typed stubs written by the generator: the payload is checked at compile time and stored as JSON.
var ada = new Customer("Ada", "ada@example.com");
CommandInstance[] demo =
[
    await Jobs.Welcome.EnqueueAsync(executor, ada),
    await Jobs.Welcome.ScheduleAsync(executor, new Customer("Brian", "brian@example.com"), TimeSpan.FromSeconds(3)),
    await Jobs.SendEmail.EnqueueAsync(executor, new Email(ada.Email, "Your first Durex job")),
    // The same with the string-named API: a CommandSpec naming the handler.
    await executor.AddAsync(new CommandSpec("greet") { Data = { ["name"] = "World" } }),
];
var email = demo[2];
Console.WriteLine("Enqueued: welcome (now and in 3 s), sendEmail (fails twice, then succeeds), greet; the heartbeat repeats every 2 s.");

try
{
    // Poll the store until every demo command has finished and the heartbeat has repeated once.
    while (!await IsDemoDoneAsync())
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200), stop.Token);
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine("Interrupted before the demo finished: what did not run yet stays in the file and runs on the next start.");
    await executor.StopAsync();
    return 0;
}

Console.WriteLine();
Console.WriteLine("What happened:");
foreach (var command in await Task.WhenAll(demo.Select(c => executor.GetAsync(c.Id).AsTask())))
{
    Console.WriteLine($"  {command!.Name,-10} {command.Status.ToWireName(),-10} after {command.Attempt} attempt(s)");
}

Console.WriteLine($"History of sendEmail {email.Id}:");
foreach (var entry in await executor.GetHistoryAsync(email.Id))
{
    var error = entry.Error?.Split('\n')[0]; // the first line; the rest is the stack trace
    Console.WriteLine($"  {entry.Timestamp.ToLocalTime():HH:mm:ss.fff} {entry.Type.ToWireName(),-10} attempt {entry.Attempt} {error}".TrimEnd());
}

var stats = await executor.GetStatisticsAsync();
var active = stats.Counts.Where(c => c.Key.IsActive()).Sum(c => c.Value);
Console.WriteLine($"The store holds {stats.Counts[CommandStatus.Completed]} completed, {stats.Counts[CommandStatus.Failed]} failed and {active} active commands " +
                  "(earlier runs' too; the heartbeat stays active).");
Console.WriteLine();
Console.WriteLine("Demo done. Have a look:");
Console.WriteLine($"  dashboard:            {dashboard.Uri}");
Console.WriteLine($"  sendEmail's history:  {dashboard.Uri}#/command/{email.Id}");
Console.WriteLine($"  the SQLite file:      {dbPath}");

if (!exitWhenDone)
{
    Console.WriteLine("The heartbeat keeps repeating. Press Ctrl+C to stop.");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
}

Console.WriteLine("Stopping…");
await executor.StopAsync(); // lets running handlers finish; the heartbeat stays scheduled in the file for the next start
Console.WriteLine("Stopped.");
return 0;

async Task<bool> IsDemoDoneAsync()
{
    foreach (var command in demo)
    {
        if (await executor.GetAsync(command.Id, stop.Token) is not { IsActive: false })
        {
            return false;
        }
    }

    return DemoCommands.HeartbeatRuns >= 2;
}

async Task<Durex.Dashboard.DurexDashboardServer?> StartDashboardAsync()
{
    try
    {
        return await executor.StartDashboardAsync(dashboardUrl, o => o.Title = "Durex basic sample");
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"The dashboard cannot listen on {dashboardUrl}: {ex.Message}");
        Console.Error.WriteLine("Pass another address, or port 0 for a free one: --dashboard-url http://127.0.0.1:0");
        return null;
    }
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true; // handled here: do not terminate the process
    stop.Cancel();
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
