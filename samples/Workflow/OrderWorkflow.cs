using System.Collections.Concurrent;
using Durex;

namespace Shop;

public sealed record OrderLine(string Sku, int Quantity);

public sealed record Order(string Id, string Customer, string Card, string Country, List<OrderLine> Lines, decimal Amount);

/// <summary>
/// An order as a saga. Each step is a durable command, run after the previous one completed; when a step fails for good,
/// the compensations of the steps that completed run newest first: a failed payment releases the stock, a failed
/// shipment refunds the payment and then releases the stock.
/// </summary>
/// <remarks>
/// The class is created for each step and compensation, its constructor's services taken from
/// <c>ExecutorOptions.Services</c> (Program.cs). Nothing is kept in its fields between steps: what a later step or a
/// compensation needs is stored with the command through <see cref="CommandContext.Set(string, string?)"/>.
/// </remarks>
[Workflow("processOrder")]
public sealed partial class OrderWorkflow(Inventory inventory, PaymentGateway payments, Shipping shipping)
{
    [Step(1, Compensate = nameof(ReleaseStock))]
    public void ReserveStock(Order order)
    {
        inventory.Reserve(order);
        Journal.Write(order, $"step: reserved {Describe(order.Lines)}");
    }

    // Retries = 2: a gateway timeout would be tried again; a declined card is final at once, because the gateway throws
    // PermanentFailureException for it.
    [Step(2, Compensate = nameof(RefundAsync), Retries = 2)]
    public async Task ChargeAsync(Order order, CommandContext context, CancellationToken cancellationToken)
    {
        var chargeId = await payments.ChargeAsync(order, cancellationToken);
        context.Set("chargeId", chargeId); // stored with the step's data: the later steps and the refund read it
        Journal.Write(order, $"step: charged {order.Amount:0.00} ({chargeId})");
    }

    // The last step: no step after it can fail, so there is nothing for it to undo.
    [Step(3, NoCompensation = true, Retries = 2)]
    public void Ship(Order order, CommandContext context)
    {
        var tracking = shipping.Ship(order);
        Journal.Write(order, $"step: shipped to {order.Country}, tracking {tracking} (paid with {context.Data.GetString("chargeId")})");
    }

    // Compensations: ordinary methods named by Compensate, each one a durable command with the workflow's data.
    public async Task RefundAsync(Order order, CommandContext context, CancellationToken cancellationToken)
    {
        var chargeId = context.Data.GetString("chargeId")!;
        await payments.RefundAsync(chargeId, cancellationToken);
        Journal.Write(order, $"compensation: refunded {chargeId}");
    }

    public void ReleaseStock(Order order)
    {
        inventory.Release(order);
        Journal.Write(order, $"compensation: released {Describe(order.Lines)}");
    }

    private static string Describe(IEnumerable<OrderLine> lines) => string.Join(", ", lines.Select(l => $"{l.Quantity} × {l.Sku}"));
}

/// <summary>The handlers' log, printed as it happens.</summary>
public static class Journal
{
    public static void Write(Order order, string text) => Console.WriteLine($"  {order.Id}  {text}");
}

/// <summary>The warehouse (in memory: the sample's stand-in for a real inventory service).</summary>
public sealed class Inventory
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, int> _stock = new(StringComparer.Ordinal) { ["book"] = 10, ["lamp"] = 5, ["pen"] = 20 };

    public void Reserve(Order order)
    {
        lock (_lock)
        {
            if (order.Lines.FirstOrDefault(l => _stock.GetValueOrDefault(l.Sku) < l.Quantity) is { } missing)
            {
                throw new PermanentFailureException($"only {_stock.GetValueOrDefault(missing.Sku)} of {missing.Sku} in stock");
            }

            foreach (var line in order.Lines)
            {
                _stock[line.Sku] -= line.Quantity;
            }
        }
    }

    public void Release(Order order)
    {
        lock (_lock)
        {
            foreach (var line in order.Lines)
            {
                _stock[line.Sku] = _stock.GetValueOrDefault(line.Sku) + line.Quantity;
            }
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return string.Join(", ", _stock.Select(s => $"{s.Key}={s.Value}"));
        }
    }
}

/// <summary>The payment provider (in memory). Card numbers ending in 0002 are declined, as with real test cards.</summary>
public sealed class PaymentGateway
{
    private readonly ConcurrentDictionary<string, decimal> _charges = new(StringComparer.Ordinal);

    public decimal Charged => _charges.Values.Sum();

    public async Task<string> ChargeAsync(Order order, CancellationToken cancellationToken)
    {
        await Task.Yield(); // a real gateway is a network call
        cancellationToken.ThrowIfCancellationRequested();
        if (order.Card.EndsWith("0002", StringComparison.Ordinal))
        {
            throw new PermanentFailureException($"card {order.Card} declined");
        }

        var chargeId = $"ch_{order.Id}";
        _charges[chargeId] = order.Amount;
        return chargeId;
    }

    public async Task RefundAsync(string chargeId, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        _charges.TryRemove(chargeId, out _);
    }
}

/// <summary>The carrier (in memory): it delivers to a few countries only.</summary>
public sealed class Shipping
{
    private static readonly HashSet<string> Countries = new(["France", "Germany", "Sweden", "USA"], StringComparer.Ordinal);

    public string Ship(Order order) => Countries.Contains(order.Country)
        ? $"TRK-{order.Id}"
        : throw new PermanentFailureException($"no carrier delivers to {order.Country}");
}
