using Durex.Internal;
using Durex.Storage;

namespace Durex.Engine;

/// <summary>Deletes terminal commands older than their status's retention, in bounded batches, every cleanup interval.</summary>
internal sealed class Retention(Pipeline pipeline)
{
    private readonly ExecutorContext _context = pipeline.Context;

    public async Task RunAsync()
    {
        var options = _context.Options.Retention;
        if (options.CleanupInterval is not { } interval)
        {
            return;
        }

        var token = pipeline.Finished.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(interval, _context.Time, token).ConfigureAwait(false);
                try
                {
                    var purged = await CleanupAsync(_context.Store, options, _context.Time.GetUtcNow(), token).ConfigureAwait(false);
                    if (purged > 0)
                    {
                        Log.RetentionPurged(pipeline.Context.Loggers.Retention, purged);
                    }
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    Log.RetentionFailed(pipeline.Context.Loggers.Retention, ex);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    public static async Task<int> CleanupAsync(ICommandStore store, RetentionOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var (status, keepFor) in options.Rules())
        {
            var request = new PurgeRequest { Statuses = [status], CompletedBefore = now - keepFor, Limit = options.BatchSize };
            int deleted;
            do
            {
                deleted = await store.PurgeAsync(request, cancellationToken).ConfigureAwait(false);
                total += deleted;
            }
            while (deleted == options.BatchSize);
        }

        return total;
    }
}
