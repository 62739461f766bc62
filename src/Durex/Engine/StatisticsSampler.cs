using Durex.Internal;

namespace Durex.Engine;

/// <summary>
/// Refreshes the statistics behind the store gauges (queue size, oldest ready age, dead letters, counts per status) every
/// <see cref="ExecutorOptions.StatisticsInterval"/>, and only while a metrics listener observes them: without one it
/// costs no query, and a snapshot read meanwhile by anyone else postpones the next refresh.
/// </summary>
internal sealed class StatisticsSampler(Pipeline pipeline, Func<CancellationToken, ValueTask<ExecutorStatistics>> read)
{
    public async Task RunAsync()
    {
        var context = pipeline.Context;
        var token = pipeline.Finished.Token;
        try
        {
            var interval = context.Options.StatisticsInterval;
            while (!token.IsCancellationRequested)
            {
                // A fresher snapshot (an exporter refreshing before its scrape, a health check) makes this one redundant.
                var age = context.Time.GetUtcNow() - context.Telemetry.StatisticsReadAt;
                if (age < interval)
                {
                    await Task.Delay(interval - age, context.Time, token).ConfigureAwait(false);
                    continue;
                }

                if (context.Telemetry.StatisticsObserved)
                {
                    try
                    {
                        await read(token).ConfigureAwait(false); // stores the snapshot the gauges report
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested)
                    {
                        Log.StatisticsFailed(context.Loggers.Executor, ex);
                    }
                }

                await Task.Delay(interval, context.Time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }
}
