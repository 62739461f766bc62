using Durex;

namespace Mistakes;

public sealed record Order(string Id, decimal Amount);

// DURX1004: step 1 charges, step 2 can fail, and nothing refunds the charge.
[Workflow("checkout")]
public sealed class CheckoutWorkflow
{
    [Step(1)]
    public static Task ChargeAsync(Order order) => Task.CompletedTask;

    [Step(2)]
    public static Task ShipAsync(Order order) => Task.CompletedTask;
}
