using System.Collections.Concurrent;
using Durex;

namespace AotWorker;

public enum Urgency
{
    Low,
    Normal,
    Urgent,
}

public sealed record Address(string Street, string City, string Country);

public sealed record InvoiceLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>A payload with a nested record, a list of records, an enum, a dictionary and nullable members.</summary>
public sealed record Invoice(
    string Number,
    Address BillTo,
    List<InvoiceLine> Lines,
    decimal ExpectedTotal,
    Urgency Urgency,
    DateTimeOffset IssuedAt,
    Dictionary<string, string>? Labels = null,
    string? Note = null);

public sealed record Restock(string Sku, int Quantity, bool FailFirstAttempt = false);

/// <summary>What the handlers did, in order; the program prints it and checks the compensations' order in it.</summary>
public static class Journal
{
    private static readonly ConcurrentQueue<string> Entries = new();

    public static void Add(string entry) => Entries.Enqueue(entry);

    public static IReadOnlyList<string> All => Entries.ToArray();
}

/// <summary>Stock per SKU, shared by the commands and the workflow (a singleton in the service collection).</summary>
public sealed class Warehouse(IReadOnlyDictionary<string, int> initial)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _stock = new(initial, StringComparer.Ordinal);

    public void Add(string sku, int quantity)
    {
        lock (_lock)
        {
            _stock[sku] = _stock.GetValueOrDefault(sku) + quantity;
        }
    }

    public void Take(string sku, int quantity)
    {
        lock (_lock)
        {
            var left = _stock.GetValueOrDefault(sku);
            if (left < quantity)
            {
                throw new InvalidOperationException($"only {left} of {sku} in stock, {quantity} wanted");
            }

            _stock[sku] = left - quantity;
        }
    }

    public int this[string sku]
    {
        get
        {
            lock (_lock)
            {
                return _stock.GetValueOrDefault(sku);
            }
        }
    }
}

/// <summary>A static command whose payload exercises the generated JSON metadata.</summary>
public static class InvoiceCommands
{
    [DurexCommand("invoices.render", Retries = 2, TimeoutSeconds = 30, Tags = ["invoices"])]
    public static CommandResult Render(Invoice invoice, CommandContext context)
    {
        Measurements.CommandStarted();
        // Everything the payload carried must have survived the round trip through the store.
        var total = invoice.Lines.Sum(l => l.Quantity * l.UnitPrice);
        if (total != invoice.ExpectedTotal || invoice.BillTo.City.Length == 0 || invoice.IssuedAt == default)
        {
            throw new InvalidDataException($"invoice {invoice.Number} did not round-trip: total {total}, expected {invoice.ExpectedTotal}");
        }

        context.Set("total", (double)total);
        var labels = invoice.Labels is { Count: > 0 } l ? " [" + string.Join(", ", l.Select(p => $"{p.Key}={p.Value}")) + "]" : "";
        Journal.Add($"invoice {invoice.Number}: {invoice.Lines.Count} lines, {total:0.00} to {invoice.BillTo.City} ({invoice.Urgency}){labels}");
        return CommandResult.Empty;
    }

    [DurexCommand("heartbeat")]
    public static void Heartbeat()
    {
        Measurements.CommandStarted();
        Journal.Add("heartbeat");
    }
}

/// <summary>An instance command: the class is created per attempt with its constructor dependency from the services.</summary>
public sealed class InventoryCommands(Warehouse warehouse)
{
    [DurexCommand("inventory.restock", Retries = 3)]
    public async ValueTask RestockAsync(Restock restock, CommandContext context, CancellationToken cancellationToken)
    {
        Measurements.CommandStarted();
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        if (restock.FailFirstAttempt && context.Attempt == 1)
        {
            Journal.Add($"restock {restock.Sku}: attempt 1 failed (supplier timed out), {context.RetriesLeft} retries left");
            throw new TimeoutException("the supplier's API timed out (simulated)");
        }

        warehouse.Add(restock.Sku, restock.Quantity);
        Journal.Add($"restock {restock.Sku}: +{restock.Quantity} on attempt {context.Attempt}");
    }
}
