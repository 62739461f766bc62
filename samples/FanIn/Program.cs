// Durex fan-out/fan-in sample: count the primes below a limit in N chunks that run in parallel as separate durable
// commands, then add up their results in one continuation that runs when all of them have completed
// (CommandResult.SpawnThen, PrimeCommands.cs). It prints the aggregated result and exits.
//
//   dotnet run --project samples/FanIn
//   dotnet run --project samples/FanIn -- --chunks 12 --below 300000
//
// --chunks N    how many child commands (default 8)
// --below N     the limit (default 1000000)
// --db PATH     the SQLite file (default: durex-fanin.db in the current directory)
using System.Globalization;
using Durex;
using Durex.Sqlite;
using Durex.Storage;
using Primes;

var job = new PrimeJob(Below: Number("--below", 1_000_000), Chunks: Number("--chunks", 8));
if (job.Chunks is < 1 or > 1000 || job.Below < 2)
{
    Console.Error.WriteLine("--chunks must be 1 to 1000 and --below at least 2.");
    return 2;
}

var dbPath = Path.GetFullPath(Option("--db") ?? "durex-fanin.db");
await using var store = new SqliteStore(dbPath);
// No backoff (the default): the failed chunk is retried at once, so "idle" below means everything has finished.
await using var executor = new Executor(store, o => o.Parallelism = 4).AddGeneratedCommands();
await executor.StartAsync();
Console.WriteLine($"Durex fan-out/fan-in sample: primes below {job.Below} in {job.Chunks} chunks");
Console.WriteLine($"  store: {dbPath}");

var split = await Jobs.PrimesSplit.EnqueueAsync(executor, job);
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
await executor.WaitForIdleAsync(timeout.Token);

// The continuation is a child of the split command; its data holds the total it set.
var page = await executor.FindAsync(new CommandQuery { ParentId = split.Id, Name = Jobs.PrimesTotal.Name, Limit = 1 });
if (page.Items is not [{ Status: CommandStatus.Completed } total])
{
    Console.WriteLine($"The continuation did not complete: {string.Join(", ", page.Items.Select(c => $"{c.Status.ToWireName()} {c.Error}"))}");
    return 1;
}

Console.WriteLine($"result: {total.Data.GetInt32("total")} primes below {job.Below} (continuation {total.Id}, {total.FanInTotal} children awaited)");
await executor.StopAsync();
return 0;

int Number(string name, int fallback) =>
    Option(name) is { } text ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : fallback;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
