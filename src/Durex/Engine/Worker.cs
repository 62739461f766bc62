using Durex.Storage;

namespace Durex.Engine;

/// <summary>Why a running attempt's token was cancelled.</summary>
internal enum CancelReason
{
    /// <summary>Not cancelled by Durex (if the token is cancelled anyway, the timeout fired).</summary>
    None = 0,

    /// <summary>The command was cancelled, or its lease was lost.</summary>
    Cancelled = 1,

    /// <summary>The graceful shutdown ran out of time.</summary>
    Shutdown = 2,
}

/// <summary>One worker: takes claimed commands from the work channel, runs them, hands outcomes to the completer.</summary>
/// <remarks>
/// Each worker owns one <see cref="CancellationTokenSource"/>, reset between attempts, so an attempt costs no token
/// allocation unless it was cancelled.
/// </remarks>
internal sealed class Worker
{
    private readonly Pipeline _pipeline;
    private readonly AttemptRunner _runner;
    private readonly Lock _gate = new();
    private CancellationTokenSource _cts;
    private InflightCommand? _current;
    private CancelReason _reason;

    public Worker(Pipeline pipeline, AttemptRunner runner)
    {
        _pipeline = pipeline;
        _runner = runner;
        _cts = NewSource();
    }

    public async Task RunAsync()
    {
        var reader = _pipeline.Work.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                CommandOutcome outcome;
                try
                {
                    outcome = _pipeline.IsStopping || item.Cancelled
                        ? AttemptRunner.Release(item)
                        : await _runner.RunAsync(item, this).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // A bug in Durex itself, not in the handler (those are caught by the runner): never lose the command.
                    Internal.Log.EngineError(_pipeline.Context.Loggers.Worker, ex, item.Command.Name, item.Command.Id);
                    outcome = AttemptRunner.Release(item);
                }
                finally
                {
                    item.Permit?.Dispose();
                }

                _pipeline.Outcomes.Writer.TryWrite(outcome);
            }
        }
    }

    /// <summary>Marks the start of an attempt; returns the token its handler gets.</summary>
    public CancellationToken Begin(InflightCommand item, TimeSpan? timeout)
    {
        lock (_gate)
        {
            _current = item;
            _reason = CancelReason.None;
            item.RunningOn = this;
            _pipeline.AttemptStarted();
            if (timeout is { } limit)
            {
                _cts.CancelAfter(limit);
            }

            return _cts.Token;
        }
    }

    /// <summary>Marks the end of the attempt; returns why its token was cancelled, if it was.</summary>
    public (bool Cancelled, CancelReason Reason) End(InflightCommand item)
    {
        lock (_gate)
        {
            item.RunningOn = null;
            _current = null;
            _pipeline.AttemptEnded();
            var cancelled = _cts.IsCancellationRequested;
            var reason = _reason;
            if (!_cts.TryReset())
            {
                _cts.Dispose();
                _cts = NewSource();
            }

            return (cancelled, reason);
        }
    }

    /// <summary>Cancels the attempt of <paramref name="item"/> if this worker is still running it.</summary>
    public void Cancel(InflightCommand item, CancelReason reason)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_current, item))
            {
                return;
            }

            if (_reason == CancelReason.None)
            {
                _reason = reason;
            }

            _cts.Cancel();
        }
    }

    /// <summary>Cancels whatever this worker is running (shutdown timeout).</summary>
    public void CancelCurrent(CancelReason reason)
    {
        var current = _current;
        if (current is not null)
        {
            Cancel(current, reason);
        }
    }

    private CancellationTokenSource NewSource() =>
        new(System.Threading.Timeout.InfiniteTimeSpan, _pipeline.Context.Time);
}
