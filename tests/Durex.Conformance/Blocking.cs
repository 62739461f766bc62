namespace Durex.Conformance;

/// <summary>Handlers that must hold on until the engine cancels them: no clock, no sleep.</summary>
public static class Blocking
{
    /// <summary>Completes only when <paramref name="ct"/> is cancelled, by throwing <see cref="OperationCanceledException"/>.</summary>
    public static async Task UntilCancelledAsync(CancellationToken ct)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (ct.Register(() => cancelled.TrySetCanceled(ct)))
        {
            await cancelled.Task;
        }
    }
}
