// Durex NativeAOT worker: attributed commands (a static one with a rich payload, an instance one with a constructor
// dependency from a ServiceCollection) and an order-fulfilment workflow whose last step fails for one order, so that
// order's compensations run. Everything runs on a SQLite file in the current directory, recreated at each start. The
// program checks what happened, prints a summary and two measurements, and exits 0 only if all was as expected.
//
//   dotnet publish samples/AotWorker -c Release -r linux-x64 -o out && ./out/AotWorker
using System.Globalization;
using AotWorker;
using Durex;
using Durex.Sqlite;
using Durex.Storage;
using Microsoft.Extensions.DependencyInjection;

var startupToMain = Measurements.MillisecondsSinceProcessStart();
var problems = new List<string>();
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // nothing here may wait forever

var path = Path.Combine(Environment.CurrentDirectory, "aotworker.db");
foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
{
    File.Delete(file); // a fresh store on every run
}

var initialStock = new Dictionary<string, int>(StringComparer.Ordinal) { ["book"] = 10, ["pen"] = 50, ["lamp"] = 4 };
var warehouse = new Warehouse(initialStock);
var payments = new Payments();
await using var services = new ServiceCollection().AddSingleton(warehouse).AddSingleton(payments).BuildServiceProvider();

await using var store = new SqliteStore(path);
await using var executor = new Executor(store, o =>
{
    o.Parallelism = 4;
    o.Services = services; // InventoryCommands and the workflow class take constructor dependencies
    o.Backoff = Backoff.None;
}).AddGeneratedCommands();
await executor.StartAsync(timeout.Token);
Console.WriteLine($"Durex AOT worker: store {path}");

// Commands.
var issued = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.FromHours(1));
var paris = new Address("12 rue de Rivoli", "Paris", "France");
Invoice[] invoices =
[
    new("INV-1", paris, [new("book", 2, 12.50m), new("pen", 10, 1.20m)], 37.00m, Urgency.Normal, issued,
        new Dictionary<string, string> { ["channel"] = "web", ["campaign"] = "winter" }),
    new("INV-2", new Address("1 Main St", "Springfield", "USA"), [new("lamp", 1, 49.99m)], 49.99m, Urgency.Urgent, issued.AddDays(1),
        Note: "gift wrap"),
    new("INV-3", new Address("Kungsgatan 5", "Stockholm", "Sweden"), [], 0m, Urgency.Low, issued.AddDays(2)),
];
foreach (var invoice in invoices)
{
    await Jobs.InvoicesRender.EnqueueAsync(executor, invoice, cancellationToken: timeout.Token);
}

Restock[] restocks = [new("book", 5), new("lamp", 2, FailFirstAttempt: true)];
foreach (var restock in restocks)
{
    await Jobs.InventoryRestock.EnqueueAsync(executor, restock, cancellationToken: timeout.Token);
}

await Jobs.Heartbeat.EnqueueAsync(executor, cancellationToken: timeout.Token);

// Workflows: A and B complete; C ships to a country no carrier serves, so its completed steps are undone.
Order[] orders =
[
    new("A-1001", "Ada", paris, [new("book", 2), new("pen", 5)], 37.00m),
    new("B-1002", "Brian", new Address("Hauptstrasse 3", "Berlin", "Germany"), [new("lamp", 1)], 49.99m),
    new("C-1003", "Cleo", new Address("1 Coral Way", "Poseidonia", "Atlantis"), [new("book", 3), new("lamp", 2)], 135.00m),
];
var runs = new List<(Order Order, WorkflowRun Run, WorkflowState Expected)>();
foreach (var order in orders)
{
    var run = await Workflows.FulfilOrder.StartAsync(executor, order, cancellationToken: timeout.Token);
    runs.Add((order, run, order.ShipTo.Country == "Atlantis" ? WorkflowState.Compensated : WorkflowState.Completed));
}

// Run until nothing is left to do: retries here are immediate (no backoff), so idle means done.
ExecutorStatistics stats;
try
{
    await executor.WaitForIdleAsync(timeout.Token);
    stats = await executor.GetStatisticsAsync(timeout.Token);
    if (stats.Counts.Where(c => c.Key.IsActive()).Sum(c => c.Value) is var active and > 0)
    {
        Console.WriteLine($"FAILED: idle with {active} commands still active");
        return 1;
    }
}
catch (OperationCanceledException) when (timeout.IsCancellationRequested)
{
    Console.WriteLine("FAILED: the work did not finish within 60 s");
    return 1;
}

Console.WriteLine();
Console.WriteLine("What the handlers did:");
foreach (var entry in Journal.All)
{
    Console.WriteLine($"  {entry}");
}

// Workflow states.
Console.WriteLine();
var failedOnPurpose = new HashSet<Guid>();
foreach (var (order, run, expected) in runs)
{
    var status = await Workflows.FulfilOrder.GetStatusAsync(executor, run.CorrelationId, timeout.Token);
    var state = status?.State.ToString() ?? "missing";
    Console.WriteLine($"workflow fulfilOrder {order.Id}: {state} ({status?.Commands.Count ?? 0} commands: {string.Join(", ", status?.Commands.Select(c => $"{c.Name}={c.Status}") ?? [])})");
    if (status?.State != expected)
    {
        problems.Add($"workflow {order.Id} is {state}, expected {expected}");
    }

    if (expected == WorkflowState.Compensated && status is not null)
    {
        failedOnPurpose.UnionWith(status.Commands.Where(c => c.Name == "fulfilOrder.ship" && c.Status == CommandStatus.Failed).Select(c => c.Id));
        // The compensations ran, in reverse order of the steps they undo.
        string[] undo = [$"order {order.Id}: cancelled label LBL-{order.Id}", $"order {order.Id}: released", $"order {order.Id}: refunded ch_{order.Id}"];
        var journal = Journal.All;
        var positions = undo.Select(u => journal.ToList().FindIndex(e => e.StartsWith(u, StringComparison.Ordinal))).ToArray();
        if (positions.Any(p => p < 0) || !positions.SequenceEqual(positions.Order()))
        {
            problems.Add($"order {order.Id}: compensations missing or out of order (journal positions {string.Join(", ", positions)})");
        }
    }
}

// The commands that ended badly must be exactly the failing shipment.
var endedBadly = await executor.FindAsync(new CommandQuery
{
    Statuses = [CommandStatus.Failed, CommandStatus.DeadLetter, CommandStatus.Expired, CommandStatus.Cancelled],
    Limit = 100,
}, timeout.Token);
foreach (var command in endedBadly.Items.Where(c => !failedOnPurpose.Contains(c.Id)))
{
    problems.Add($"command {command.Name} {command.Id} ended {command.Status}: {command.Error?.Split('\n')[0]}");
}

if (failedOnPurpose.Count != 1)
{
    problems.Add($"expected exactly one failed shipment, saw {failedOnPurpose.Count}");
}

// The side effects add up: stock and money of the compensated order are back.
foreach (var sku in initialStock.Keys)
{
    var expected = initialStock[sku]
        + restocks.Where(r => r.Sku == sku).Sum(r => r.Quantity)
        - runs.Where(r => r.Expected == WorkflowState.Completed).SelectMany(r => r.Order.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);
    if (warehouse[sku] != expected)
    {
        problems.Add($"stock of {sku} is {warehouse[sku]}, expected {expected}");
    }
}

var expectedMoney = runs.Where(r => r.Expected == WorkflowState.Completed).Sum(r => r.Order.Amount);
if (payments.Total != expectedMoney)
{
    problems.Add($"payments total {payments.Total}, expected {expectedMoney}");
}

// 3 invoices + 2 restocks + 1 heartbeat + 2 × 4 steps + 3 steps and 3 compensations of the failed order.
var completed = stats.Counts[CommandStatus.Completed];
var failed = stats.Counts[CommandStatus.Failed];
const long ExpectedCompleted = 3 + 2 + 1 + 2 * 4 + 3 + 3;
if (completed != ExpectedCompleted || failed != 1)
{
    problems.Add($"{completed} completed and {failed} failed, expected {ExpectedCompleted} and 1");
}

Console.WriteLine($"commands: {completed} completed, {failed} failed (1 expected: the shipment to Atlantis)");
Console.WriteLine($"stock: {string.Join(", ", initialStock.Keys.Select(k => $"{k}={warehouse[k]}"))}; charged: {payments.Total.ToString("0.00", CultureInfo.InvariantCulture)}");
foreach (var problem in problems)
{
    Console.WriteLine($"UNEXPECTED: {problem}");
}

Console.WriteLine(problems.Count == 0 ? "result: OK" : $"result: FAILED ({problems.Count} problems)");

await executor.StopAsync(timeout.Token);
Console.WriteLine($"startup_to_main_ms={Format(startupToMain)}");
Console.WriteLine($"startup_to_first_command_ms={Format(Measurements.StartupToFirstCommandMs)}");
Console.WriteLine($"peak_rss_mb={Format(Measurements.PeakRssMb())}");
return problems.Count == 0 ? 0 : 1;

static string Format(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
