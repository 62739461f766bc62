// Durex workflow sample: three orders through the processOrder saga (OrderWorkflow.cs). One completes; one has its
// card declined, so its stock is released; one cannot be shipped, so it is refunded and then its stock released. The
// program prints each order's final WorkflowStatus and the steps and compensations that ran, then exits.
//
//   dotnet run --project samples/Workflow                                  # SQLite: durex-workflow.db here
//   dotnet run --project samples/Workflow -- --postgres "Host=localhost;Username=postgres;Password=…;Database=durex"
//
// --db PATH           the SQLite file (default: durex-workflow.db in the current directory)
// --postgres CONNSTR  use PostgreSQL instead (the store creates its tables on first use)
using Durex;
using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shop;

var postgres = Option("--postgres");
var dbPath = Path.GetFullPath(Option("--db") ?? "durex-workflow.db");

await using ICommandStore store = postgres is null ? new SqliteStore(dbPath) : new PostgresStore(postgres);
await using var services = new ServiceCollection()
    .AddSingleton<Inventory>()
    .AddSingleton<PaymentGateway>()
    .AddSingleton<Shipping>()
    .BuildServiceProvider();
await using var executor = new Executor(store, o =>
{
    o.Parallelism = 4;
    o.Services = services; // OrderWorkflow is created for each step from these
}).AddGeneratedCommands(); // registers the workflow's steps and compensations (generated from the attributes)

var inventory = services.GetRequiredService<Inventory>();
var payments = services.GetRequiredService<PaymentGateway>();
Console.WriteLine("Durex workflow sample: processOrder = reserve stock -> charge -> ship");
Console.WriteLine($"  store: {(postgres is null ? dbPath : Describe(postgres))}");
Console.WriteLine($"  stock before: {inventory}");
Console.WriteLine();

await executor.StartAsync();
Order[] orders =
[
    new("A-1001", "Ada", "4242 4242 4242 4242", "France", [new("book", 2), new("pen", 3)], 31.60m),
    new("B-1002", "Brian", "4000 0000 0000 0002", "Germany", [new("lamp", 1)], 49.99m),     // card declined
    new("C-1003", "Cleo", "5555 5555 5555 4444", "Atlantis", [new("book", 1), new("lamp", 2)], 112.48m), // no carrier
];
var runs = new List<(Order Order, WorkflowRun Run)>();
foreach (var order in orders)
{
    // Each run gets its own correlation id: every command of the run carries it, and GetStatusAsync reads the run by it.
    runs.Add((order, await Workflows.ProcessOrder.StartAsync(executor, order)));
}

// A run has ended when its state is no longer Running or Compensating. Polling keeps the sample short; a test would
// use executor.WaitForIdleAsync().
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
var compensations = Workflows.ProcessOrder.Definition.Steps.Select(s => s.Compensation).OfType<string>().ToHashSet();
var results = new List<string>();
try
{
    foreach (var (order, run) in runs)
    {
        var status = await Workflows.ProcessOrder.GetStatusAsync(executor, run.CorrelationId, timeout.Token);
        while (status!.State is WorkflowState.Running or WorkflowState.Compensating)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
            status = await Workflows.ProcessOrder.GetStatusAsync(executor, run.CorrelationId, timeout.Token);
        }

        results.Add($"order {order.Id} ({order.Customer}): {status.State}");
        foreach (var command in status.Commands) // oldest first: the order in which they were enqueued
        {
            var role = compensations.Contains(command.Name) ? "compensation" : "step";
            results.Add($"    {role,-12}  {command.Name,-26} {command.Status.ToWireName(),-9} {command.Error?.Split('\n')[0]}".TrimEnd());
        }
    }
}
catch (OperationCanceledException) when (timeout.IsCancellationRequested)
{
    Console.WriteLine("The orders did not finish within 2 minutes.");
    return 1;
}

Console.WriteLine();
results.ForEach(Console.WriteLine);
Console.WriteLine();
// Only A-1001's items left the warehouse, and only its payment was kept: the compensations undid the rest.
Console.WriteLine($"stock after: {inventory}");
Console.WriteLine($"charged in total: {payments.Charged:0.00}");

await executor.StopAsync();
return 0;

// The server and database, without the password.
static string Describe(string connectionString)
{
    var builder = new NpgsqlConnectionStringBuilder(connectionString);
    return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
