namespace Durex.Generators.EndToEnd.Tests.UserCode;

public sealed record OrderLine(string Sku, int Quantity);

public sealed record Order(Guid Id, string Customer, List<OrderLine> Lines, decimal Total);

/// <summary>A service the order workflow takes in its constructor.</summary>
public sealed class Payments
{
    public int Charges { get; set; }
}

[Workflow("processOrder")]
public sealed partial class OrderWorkflow(Payments payments)
{
    [Step(1, Compensate = nameof(RefundAsync))]
    public Task ChargeAsync(Order order, CommandContext context, CancellationToken cancellationToken)
    {
        payments.Charges++;
        context.Set("chargeId", $"ch-{order.Total}");
        Recorder.Add($"charge {order.Total}");
        return Task.CompletedTask;
    }

    [Step(2, Compensate = nameof(ReleaseStock))]
    public ValueTask ReserveStockAsync(Order order, CommandContext context)
    {
        Recorder.Add($"reserve {order.Lines.Sum(l => l.Quantity)} ({context.Data.GetString("chargeId")})");
        return ValueTask.CompletedTask;
    }

    [Step(3, Retries = 1)]
    public Task ShipAsync(Order order, CommandContext context)
    {
        Recorder.Add($"ship #{context.Attempt}");
        return order.Customer.StartsWith("unreachable", StringComparison.Ordinal)
            ? throw new InvalidOperationException("no courier delivers there")
            : Task.CompletedTask;
    }

    public Task RefundAsync(Order order, CommandContext context)
    {
        Recorder.Add($"refund {context.Data.GetString("chargeId")}");
        return order.Customer.EndsWith("refund fails", StringComparison.Ordinal) ? throw new InvalidOperationException("the bank said no") : Task.CompletedTask;
    }

    public void ReleaseStock(Order order) => Recorder.Add($"release {order.Lines.Count} lines");
}

/// <summary>A fan-out: label and courier run in parallel, dispatch after both.</summary>
[Workflow("fulfil")]
public static partial class FulfilWorkflow
{
    [Step(1, NoCompensation = true)] // packing is undone by the warehouse's own returns process
    public static void Pack(Order order) => Recorder.Add("pack");

    [Step(2, Parallel = true, Compensate = nameof(VoidLabel))]
    public static void PrintLabel(Order order, CommandContext context)
    {
        context.Set("label", "L-1");
        Recorder.Add("label");
    }

    [Step(2, Parallel = true, Compensate = nameof(CancelCourier))]
    public static void BookCourier(Order order, CommandContext context)
    {
        Recorder.Add("courier");
        if (order.Customer == "no-courier")
        {
            throw new InvalidOperationException("no courier available");
        }

        context.Set("courier", "C-9");
    }

    [Step(3)]
    public static void Dispatch(Order order, CommandContext context) =>
        Recorder.Add($"dispatch {context.Data.GetString("label")} {context.Data.GetString("courier")}");

    public static void VoidLabel(Order order) => Recorder.Add("void label");

    public static void CancelCourier(Order order) => Recorder.Add("cancel courier");
}
