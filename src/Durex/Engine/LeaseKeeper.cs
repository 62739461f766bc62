using Durex.Internal;
using Durex.Storage;

namespace Durex.Engine;

/// <summary>
/// Renews the leases of every command this executor holds (running or waiting for a worker), cancels handlers whose
/// lease was lost, and rescues commands whose lease expired because their executor died.
/// </summary>
internal sealed class LeaseKeeper(Pipeline pipeline, TimeSpan rescueInterval)
{
    private static readonly TimeSpan MinimumPeriod = TimeSpan.FromMilliseconds(1); // PeriodicTimer's smallest period

    private readonly ExecutorContext _context = pipeline.Context;

    public async Task RunAsync()
    {
        var time = _context.Time;
        var renewEvery = _context.Options.LeaseDuration / 3;
        var token = pipeline.Finished.Token;
        var nextRescue = time.GetUtcNow();

        // A periodic timer, not a delay armed after each round: a tick that falls while a round waits on the store is
        // kept and served next, so no renewal is skipped however slow the store or however the clock is advanced.
        var period = renewEvery < rescueInterval ? renewEvery : rescueInterval;
        using var timer = new PeriodicTimer(period < MinimumPeriod ? MinimumPeriod : period, time);
        try
        {
            do
            {
                try
                {
                    // One instant for both: leases renewed from it cannot look expired to the rescue that follows,
                    // however long the renewal took or however far a test clock moved meanwhile.
                    var now = time.GetUtcNow();
                    await RenewAsync(now, token).ConfigureAwait(false);
                    if (now >= nextRescue)
                    {
                        await RescueAsync(now, token).ConfigureAwait(false);
                        // Scheduled from the instant the rescue looked at, not from when it returned: time that passed
                        // during the store call (or a clock advanced meanwhile) must not push the next rescue out.
                        nextRescue = now + rescueInterval; // a failed rescue is retried on the next tick
                    }
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    Log.LeaseMaintenanceFailed(pipeline.Context.Loggers.LeaseKeeper, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task RenewAsync(DateTimeOffset now, CancellationToken token)
    {
        var held = pipeline.InflightCommands;
        if (held.Count == 0)
        {
            return;
        }

        var leases = held.Select(i => i.Lease).ToArray();
        var lost = await _context.Store.RenewLeasesAsync(leases, now + _context.Options.LeaseDuration, token).ConfigureAwait(false);
        if (lost.Count > 0)
        {
            // Claims whose outcome was applied since the snapshot show up as lost too: cancelling a finished claim is a
            // no-op. Cancel by lease, never by command id: the command may already run again under a new lease.
            var lostSet = lost.ToHashSet();
            var lostLeases = leases.Where(l => lostSet.Contains(l.CommandId)).ToArray();
            if (lostLeases.Any(l => pipeline.IsRunning(l)))
            {
                Log.LeasesLost(pipeline.Context.Loggers.LeaseKeeper, lostLeases.Count(l => pipeline.IsRunning(l)));
            }

            pipeline.CancelLeases(lostLeases, CancelReason.Cancelled);
        }
    }

    private async Task RescueAsync(DateTimeOffset now, CancellationToken token)
    {
        // Its own expired leases too: the ones it still holds were renewed just before, so an expired one is a claim it
        // lost (the reply never arrived during an outage) or one of a previous run with the same instance name.
        var rescued = await _context.Store.RescueExpiredLeasesAsync(now, exceptOwner: null, token).ConfigureAwait(false);
        if (rescued.Count > 0)
        {
            Log.Rescued(pipeline.Context.Loggers.LeaseKeeper, rescued.Count);
            _context.Telemetry.Rescued(rescued.Count);
        }
    }
}
