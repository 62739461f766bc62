using Durex.Internal;
using Durex.Storage;

namespace Durex.Engine;

/// <summary>
/// Applies outcomes in batches: whatever accumulated while the previous batch was being written goes in the next one,
/// so commits per command fall as load rises. An outcome is never dropped while the executor runs: a failing store is
/// retried with backoff, and the commands stay leased (and renewed) meanwhile.
/// </summary>
internal sealed class Completer(Pipeline pipeline)
{
    private readonly ExecutorContext _context = pipeline.Context;

    public async Task RunAsync()
    {
        var reader = pipeline.Outcomes.Reader;
        var max = _context.Options.ApplyBatchSize;
        var batch = new List<CommandOutcome>(Math.Min(max, 1024));
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < max && reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            await ApplyAsync(batch).ConfigureAwait(false);

            // Wake the producer before releasing capacity, so an idle check that sees nothing in flight also sees the
            // wake-up (the batch may have made new work ready), and again after, so a producer that woke in between and
            // still saw no capacity claims now instead of waiting for the poll interval.
            pipeline.Wake.Set();
            foreach (var outcome in batch)
            {
                pipeline.Untrack(new LeaseRef(outcome.CommandId, outcome.LeaseId));
            }

            pipeline.Wake.Set();

            batch.Clear();
        }
    }

    private async Task ApplyAsync(List<CommandOutcome> batch)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                var result = await _context.Store.ApplyAsync(batch, pipeline.Finished.Token).ConfigureAwait(false);
                if (result.Rejected.Count > 0)
                {
                    Log.OutcomesRejected(pipeline.Context.Loggers.Completer, result.Rejected.Count);
                }

                if (result.SkippedDuplicates.Count > 0)
                {
                    Log.DuplicatesSkipped(pipeline.Context.Loggers.Completer, result.SkippedDuplicates.Count);
                }

                return;
            }
            catch (Exception) when (pipeline.Finished.IsCancellationRequested)
            {
                Log.OutcomesAbandoned(pipeline.Context.Loggers.Completer, batch.Count);
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 50 * Math.Pow(2, Math.Min(failures, 10))));
                Log.ApplyFailed(pipeline.Context.Loggers.Completer, ex, batch.Count, delay);
                try
                {
                    await Task.Delay(delay, _context.Time, pipeline.Finished.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Log.OutcomesAbandoned(pipeline.Context.Loggers.Completer, batch.Count);
                    return;
                }
            }
        }
    }
}
