using System.Diagnostics;
using Durex.Internal;
using Durex.Storage;

namespace Durex.Engine;

/// <summary>
/// Claims ready commands in batches and hands them to the workers. It sleeps until a wake-up (local enqueue, store
/// notification, freed capacity) or the earliest ready time; the poll interval is only a safety net.
/// </summary>
internal sealed class Producer(Pipeline pipeline)
{
    private readonly ExecutorContext _context = pipeline.Context;

    public async Task RunAsync()
    {
        var options = _context.Options;
        var time = _context.Time;
        // Held = running + claimed and waiting for a worker + finished and waiting for the completer. One batch beyond the
        // running ones waits for workers, and one more may be claimed while the previous batch's outcomes are being
        // applied: claims and applies then overlap instead of taking turns on the store.
        var maxInflight = options.Parallelism + 2 * options.ClaimBatchSize;
        var stopping = pipeline.Stopping.Token;
        var failures = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var version = pipeline.Wake.Version;
                var capacity = Math.Min(maxInflight - pipeline.InflightCount, pipeline.Limits?.GlobalAvailable ?? int.MaxValue);
                var claimed = 0;
                var requested = 0;
                TimeSpan wait = options.PollInterval;
                try
                {
                    if (capacity > 0)
                    {
                        requested = Math.Min(options.ClaimBatchSize, capacity);
                        claimed = await ClaimAsync(requested, stopping).ConfigureAwait(false);
                        if (claimed == requested)
                        {
                            failures = 0;
                            continue; // probably more ready right now
                        }

                        var next = await _context.Store.GetNextReadyAtAsync(_context.Names, stopping).ConfigureAwait(false);
                        if (next is { } readyAt)
                        {
                            var untilReady = readyAt - time.GetUtcNow();
                            wait = untilReady <= TimeSpan.Zero ? TimeSpan.Zero : untilReady < wait ? untilReady : wait;
                        }
                    }

                    failures = 0;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // The store is unreachable: back off (bounded) and try again; nothing is lost, commands stay pending.
                    failures++;
                    wait = TimeSpan.FromMilliseconds(Math.Min(options.PollInterval.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(failures, 10))));
                    Log.ClaimFailed(pipeline.Context.Loggers.Producer, ex, wait);
                }

                if (claimed == 0 && requested > 0 && failures == 0 && pipeline.InflightCount == 0 && !pipeline.Wake.IsSet)
                {
                    pipeline.ReportIdle(version);
                }

                if (wait > TimeSpan.Zero || claimed == 0)
                {
                    await pipeline.Wake.WaitAsync(wait, time, stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            pipeline.Work.Writer.TryComplete();
        }
    }

    private async Task<int> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        var epoch = pipeline.BeginClaim();
        var started = Stopwatch.GetTimestamp();
        var leaseExpiresAt = now + _context.Options.LeaseDuration;
        var batch = await _context.Store.ClaimAsync(new ClaimRequest
        {
            Owner = _context.Owner,
            Limit = limit,
            Now = now,
            LeaseExpiresAt = leaseExpiresAt,
            Names = _context.Names,
            NameLimits = pipeline.Limits?.RemainingCapacity(),
        }, cancellationToken).ConfigureAwait(false);

        // A reply that arrives after its leases ended (a connection stalled by an outage): any executor, this one
        // included, may have rescued and claimed those commands meanwhile, so running them here could run them twice.
        // They are handed back instead (fenced by lease: a no-op for the ones already rescued).
        var late = _context.Time.GetUtcNow() >= leaseExpiresAt;

        _context.Telemetry.Claimed(Stopwatch.GetElapsedTime(started));
        var items = new InflightCommand[batch.Count];
        for (var i = 0; i < items.Length; i++)
        {
            pipeline.Track(items[i] = new InflightCommand(batch[i]));
        }

        pipeline.ApplyRecentCancels(items, epoch);
        foreach (var item in items)
        {
            var command = item.Command;
            if (late)
            {
                pipeline.Outcomes.Writer.TryWrite(AttemptRunner.Release(item));
                continue;
            }

            if (pipeline.Limits is { } limits && (item.Permit = limits.TryAcquire(command.Name)) is null)
            {
                // Only the producer takes permits and the store honoured the limits, so this is a safety net.
                pipeline.Outcomes.Writer.TryWrite(AttemptRunner.Release(item));
                continue;
            }

            pipeline.Work.Writer.TryWrite(item);
        }

        return batch.Count;
    }
}
