using Durex.Internal;

namespace Durex.Engine;

/// <summary>
/// Refreshes the statistics behind the store gauges (queue size, oldest ready age, dead letters, counts per status) every
/// <see cref="ExecutorOptions.StatisticsInterval"/>, and only while a metrics listener observes them: without one it
/// costs no query.
/// </summary>
internal sealed class StatisticsSampler(Pipeline pipeline, Func<CancellationToken, ValueTask<ExecutorStatistics>> read)
{
    public async Task RunAsync()
    {
        var context = pipeline.Context;
        var token = pipeline.Finished.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
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

                await Task.Delay(context.Options.StatisticsInterval, context.Time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }
}
