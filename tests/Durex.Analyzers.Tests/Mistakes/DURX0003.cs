using Durex;

namespace Mistakes;

// DURX0003: OnRecover names a method the class does not have.
public static class MissingHookCommands
{
    [DurexCommand("mistakes.charge", OnRecover = "Refund")]
    public static Task ChargeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static Task RefundPaymentAsync() => Task.CompletedTask;
}
