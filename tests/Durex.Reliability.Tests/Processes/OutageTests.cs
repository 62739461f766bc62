using System.Collections.Concurrent;
using System.Diagnostics;
using Durex.Hosting;
using Durex.PostgreSql;
using Durex.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// A database outage in the middle of a run, on a private PostgreSQL server of the test's own (the shared server of
/// DUREX_POSTGRES is never stopped): two executors log the failures and back off, their health checks report Unhealthy
/// while the server is down, and when it is back they recover by themselves; every command still runs exactly once.
/// </summary>
/// <remarks>
/// A claim in flight when the server terminates its connection can commit without its reply reaching the executor (the
/// server ends the connection with 57P01 after the COMMIT). Its commands then stay leased to an executor that does not
/// know it holds them, until the lease expires and an executor (that one included) rescues them, giving back the attempt
/// they never made. The handler keeps the default of no retries to prove that: before, those commands ended FAILED
/// without having run (about one run in ten). The figures report how many were rescued.
/// </remarks>
[Collection(ProcessCollection.Name)]
public sealed class OutageTests(ITestOutputHelper output)
{
    private const int ClaimFailedEvent = 20, ApplyFailedEvent = 21, LeaseMaintenanceFailedEvent = 24;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public async Task Postgres_stopped_for_ten_seconds_executors_report_unhealthy_back_off_and_recover_losing_nothing()
    {
        await using var server = await PrivatePostgres.StartAsync(output);
        var commands = Reliability.Long ? 20_000 : 5_000;
        var clock = Stopwatch.StartNew();
        var logs = new ConcurrentQueue<LogEntry>();
        var executions = new ConcurrentDictionary<Guid, int>();
        var stores = Enumerable.Range(0, 2).Select(_ => new PostgresStore(server.ConnectionString)).ToArray();
        var executors = stores.Select((store, n) => new Executor(store, o =>
        {
            o.Parallelism = 8;
            o.LoggerFactory = new CapturingLoggerFactory($"executor {n}", clock, logs);
        })).ToArray();
        foreach (var executor in executors)
        {
            executor.Handle("rel", async (context, cancellationToken) =>
            {
                await Task.Delay(Random.Shared.Next(1, 5), cancellationToken);
                executions.AddOrUpdate(context.Id, 1, (_, runs) => runs + 1);
                return CommandResult.Empty;
            }); // no retries (see the class remarks): a claim whose reply the outage swallowed comes back by rescue
        }

        var samples = new ConcurrentQueue<(TimeSpan Start, TimeSpan End, int Executor, HealthStatus Status, bool StorageOk)>();

        // For a failure message: what the executors hold and the last things they logged.
        string Diagnose()
        {
            var text = new System.Text.StringBuilder();
            foreach (var (executor, n) in executors.Select((e, n) => (e, n)))
            {
                try
                {
                    var statistics = executor.GetStatisticsAsync().AsTask().GetAwaiter().GetResult();
                    text.Append($"executor {n}: running {statistics.IsRunning}, held here {statistics.HeldHere}, counts ")
                        .AppendJoin(", ", statistics.Counts.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value}")).Append('\n');
                }
                catch (Exception ex)
                {
                    text.Append($"executor {n}: statistics failed: {ex.Message}\n");
                }
            }

            foreach (var group in logs.GroupBy(l => (l.Source, l.EventId)))
            {
                var entry = group.First();
                text.Append($"{group.Count()} × from {entry.At.TotalSeconds:0.0} s {entry.Source} {entry.Level} [{entry.EventId}] {entry.Message} ({entry.Exception?.GetType().Name}: {entry.Exception?.Message})\n");
            }

            return text.ToString();
        }

        using var stopSampling = new CancellationTokenSource();
        Task? sampler = null;
        try
        {
            var ids = await Reliability.EnqueueAsync(stores[0], commands);
            foreach (var executor in executors)
            {
                await executor.StartAsync();
            }

            var checks = executors.Select(e => new DurexHealthCheck(e)).ToArray(); // store timeout: the default 5 s
            sampler = Task.Run(async () =>
            {
                while (!stopSampling.IsCancellationRequested)
                {
                    for (var n = 0; n < checks.Length; n++)
                    {
                        var start = clock.Elapsed;
                        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("durex", checks[n], HealthStatus.Unhealthy, null) };
                        var result = await checks[n].CheckHealthAsync(context);
                        samples.Enqueue((start, clock.Elapsed, n, result.Status, result.Data["storage_ok"] is true));
                    }

                    await Task.Delay(200, CancellationToken.None);
                }
            });

            await Poll.UntilAsync(() => Task.FromResult(executions.Count >= commands / 3), Reliability.HangGuard,
                () => $"a third of the commands ran before the outage ({executions.Count})");
            var completedBefore = await Reliability.CountAsync(stores[0], CommandStatus.Completed);

            var stopping = clock.Elapsed;
            await server.StopAsync();
            var down = clock.Elapsed;
            var executedAtDown = executions.Count;
            await Poll.UntilAsync(() => Task.FromResult(Enumerable.Range(0, 2).All(n => samples.Any(s => s.Executor == n && s.Start >= down && s.Status == HealthStatus.Unhealthy))),
                TimeSpan.FromSeconds(30), () => "both health checks report Unhealthy");
            var unhealthyAfter = Enumerable.Range(0, 2).Max(n => samples.First(s => s.Executor == n && s.Start >= down && s.Status == HealthStatus.Unhealthy).End) - down;

            var left = Outage - (clock.Elapsed - down);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left); // the outage itself: the scenario's length, not a wait for an outcome
            }

            var restarting = clock.Elapsed;
            var executedDuringOutage = executions.Count - executedAtDown;
            await server.StartAgainAsync();
            var up = clock.Elapsed;

            await Poll.UntilAsync(() => Task.FromResult(Enumerable.Range(0, 2).All(n => samples.Any(s => s.Executor == n && s.Start >= up && s.Status == HealthStatus.Healthy))),
                Reliability.HangGuard, () => $"both health checks report Healthy again (sampler {sampler.Status}; last samples: " +
                    string.Join(", ", samples.TakeLast(4).Select(s => $"{s.End.TotalSeconds:0.0} s executor {s.Executor} {s.Status}")) + ")\n" + Diagnose());
            var healthyAfter = Enumerable.Range(0, 2).Max(n => samples.First(s => s.Executor == n && s.Start >= up && s.Status == HealthStatus.Healthy).End) - up;

            TimeSpan? progressAfter = null;
            long completed = 0;
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    completed = await Reliability.CountAsync(stores[0], CommandStatus.Completed);
                }
                catch (NpgsqlException)
                {
                    return false; // pooled connections broken by the restart are dropped one by one
                }

                if (completed > completedBefore)
                {
                    progressAfter ??= clock.Elapsed - up;
                }

                return completed == commands;
            }, Reliability.HangGuard, () => $"all {commands} commands completed after the outage (now {completed})\n" + Diagnose());
            var drainedAfter = clock.Elapsed - up;
            await stopSampling.CancelAsync();
            await sampler;
            foreach (var executor in executors)
            {
                await executor.StopAsync();
            }

            var during = samples.Where(s => s.Start >= down && s.End <= restarting).ToArray();
            var before = samples.Where(s => s.End <= stopping).ToArray();
            var outageLogs = logs.Where(l => l.At >= stopping && l.At <= up + TimeSpan.FromSeconds(1)).ToArray();
            int Count(int executor, int eventId) => outageLogs.Count(l => l.Source == $"executor {executor}" && l.EventId == eventId);
            var rescued = await TestPostgres.ScalarAsync(server.ConnectionString, "SELECT count(*) FROM durex.history WHERE type = 'recovered'");
            Results.Report(output, "PostgreSQL outage",
                ("commands", commands), ("executors", executors.Length), ("outage", restarting - down), ("completed before", completedBefore),
                ("executed during the outage", executedDuringOutage), ("unhealthy after", unhealthyAfter),
                ("health samples during the outage", during.Length), ("unhealthy among them", during.Count(s => s.Status == HealthStatus.Unhealthy)),
                ("claim failures logged", $"{Count(0, ClaimFailedEvent)} / {Count(1, ClaimFailedEvent)}"),
                ("apply failures logged", $"{Count(0, ApplyFailedEvent)} / {Count(1, ApplyFailedEvent)}"),
                ("lease renewal failures logged", $"{Count(0, LeaseMaintenanceFailedEvent)} / {Count(1, LeaseMaintenanceFailedEvent)}"),
                ("healthy again after", healthyAfter), ("first completion after", progressAfter ?? drainedAfter), ("all completed after", drainedAfter),
                ("rescued", rescued), ("lost", ids.Count(id => !executions.ContainsKey(id))), ("duplicates", executions.Values.Sum(n => n - 1)));
            foreach (var entry in outageLogs.DistinctBy(l => (l.Source, l.EventId)))
            {
                output.WriteLine($"{entry.At.TotalSeconds:0.0} s {entry.Source} {entry.Level} [{entry.EventId}] {entry.Message} ({entry.Exception?.GetType().Name}: {entry.Exception?.Message})");
            }

            // Health: healthy before, unhealthy (store unreachable) all through the outage.
            Assert.NotEmpty(before);
            Assert.All(before, s => Assert.Equal(HealthStatus.Healthy, s.Status));
            Assert.True(during.Length >= 10, $"only {during.Length} health samples fell inside the outage");
            Assert.All(during, s => Assert.Equal((HealthStatus.Unhealthy, false), (s.Status, s.StorageOk)));

            // Logged and backed off: each executor logged failed claims or failed outcome writes (an executor whose claimed
            // commands have all run waits for their outcomes to be written before it claims again), boundedly often: the
            // claim backs off up to the poll interval (1 s), the outcome writes up to 5 s.
            for (var n = 0; n < executors.Length; n++)
            {
                var (claimFailures, applyFailures) = (Count(n, ClaimFailedEvent), Count(n, ApplyFailedEvent));
                Assert.True(claimFailures + applyFailures >= 1, $"executor {n} logged no failure during the outage");
                Assert.True(claimFailures <= 2 * Outage.TotalSeconds + 10, $"executor {n} logged {claimFailures} failed claims in a {Outage.TotalSeconds} s outage: no backoff");
                Assert.True(applyFailures <= 2 * Outage.TotalSeconds + 10, $"executor {n} logged {applyFailures} failed outcome writes in a {Outage.TotalSeconds} s outage: no backoff");
                Assert.Contains(outageLogs, l => l.Source == $"executor {n}" && l.Level >= LogLevel.Error && l.Exception is NpgsqlException);
            }

            // Nothing lost, nothing twice.
            Assert.True(ids.SetEquals(executions.Keys), "lost or unknown commands");
            Assert.All(executions, e => Assert.Equal(1, e.Value));
            Assert.Equal(commands, await Reliability.CountAsync(stores[0], CommandStatus.Completed));
        }
        finally
        {
            await stopSampling.CancelAsync();
            if (sampler is not null)
            {
                await sampler;
            }

            foreach (var executor in executors)
            {
                await executor.DisposeAsync();
            }

            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }
}
