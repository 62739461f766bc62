namespace Durex.Internal;

/// <summary>
/// An auto-reset wake-up for the producer loop. Every <see cref="Set"/> bumps <see cref="Version"/>, which lets
/// run-until-idle waiters tell whether the producer has looked at the store since they asked.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _waiter;
    private bool _set;
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public bool IsSet
    {
        get
        {
            lock (_gate)
            {
                return _set;
            }
        }
    }

    public long Set()
    {
        var version = Interlocked.Increment(ref _version);
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _set = true;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
        return version;
    }

    /// <summary>Waits until set (consuming it), the timeout passes on <paramref name="time"/>, or cancellation.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task task;
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return;
            }

            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _waiter.Task;
        }

        try
        {
            await task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        lock (_gate)
        {
            _set = false;
        }
    }
}
