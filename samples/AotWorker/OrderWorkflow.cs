using System.Collections.Concurrent;
using Durex;

namespace AotWorker;

public sealed record OrderLine(string Sku, int Quantity);

public sealed record Order(string Id, string Customer, Address ShipTo, List<OrderLine> Lines, decimal Amount);

/// <summary>Money taken per order (a singleton in the service collection); refunds take it back.</summary>
public sealed class Payments
{
    private readonly ConcurrentDictionary<string, decimal> _charged = new(StringComparer.Ordinal);

    public void Charge(string orderId, decimal amount) => _charged[orderId] = amount;

    public void Refund(string orderId) => _charged.TryRemove(orderId, out _);

    public decimal Total => _charged.Values.Sum();

    public bool IsCharged(string orderId) => _charged.ContainsKey(orderId);
}

/// <summary>
/// Order fulfilment as a saga: charge, reserve stock, print a label, ship. Shipping to a country no carrier serves fails
/// for good (after its retry); the steps already done are then undone in reverse: cancel the label, release the stock,
/// refund the charge.
/// </summary>
[Workflow("fulfilOrder")]
public sealed partial class FulfilOrderWorkflow(Warehouse warehouse, Payments payments)
{
    [Step(1, Compensate = nameof(RefundAsync))]
    public Task ChargeAsync(Order order, CommandContext context, CancellationToken cancellationToken)
    {
        Measurements.CommandStarted();
        payments.Charge(order.Id, order.Amount);
        context.Set("chargeId", $"ch_{order.Id}");
        Journal.Add($"order {order.Id}: charged {order.Amount:0.00}");
        return Task.CompletedTask;
    }

    [Step(2, Compensate = nameof(ReleaseStock))]
    public void ReserveStock(Order order)
    {
        Measurements.CommandStarted();
        foreach (var line in order.Lines)
        {
            warehouse.Take(line.Sku, line.Quantity);
        }

        Journal.Add($"order {order.Id}: reserved {order.Lines.Sum(l => l.Quantity)} items");
    }

    [Step(3, Compensate = nameof(CancelLabel))]
    public ValueTask PrintLabelAsync(Order order, CommandContext context)
    {
        Measurements.CommandStarted();
        context.Set("label", $"LBL-{order.Id}");
        Journal.Add($"order {order.Id}: label for {order.ShipTo.City}, {order.ShipTo.Country}");
        return ValueTask.CompletedTask;
    }

    [Step(4, Retries = 1, NoCompensation = true)]
    public Task<CommandResult> ShipAsync(Order order, CommandContext context, CancellationToken cancellationToken)
    {
        Measurements.CommandStarted();
        if (order.ShipTo.Country == "Atlantis")
        {
            Journal.Add($"order {order.Id}: shipping attempt {context.Attempt} failed");
            throw new InvalidOperationException($"no carrier ships to {order.ShipTo.Country}");
        }

        Journal.Add($"order {order.Id}: shipped with {context.Data.GetString("label")} (charge {context.Data.GetString("chargeId")})");
        return Task.FromResult(CommandResult.Empty);
    }

    public Task RefundAsync(Order order, CommandContext context)
    {
        payments.Refund(order.Id);
        Journal.Add($"order {order.Id}: refunded {context.Data.GetString("chargeId")}");
        return Task.CompletedTask;
    }

    public void ReleaseStock(Order order)
    {
        foreach (var line in order.Lines)
        {
            warehouse.Add(line.Sku, line.Quantity);
        }

        Journal.Add($"order {order.Id}: released {order.Lines.Sum(l => l.Quantity)} items");
    }

    public void CancelLabel(Order order, CommandContext context) =>
        Journal.Add($"order {order.Id}: cancelled label {context.Data.GetString("label")}");
}
