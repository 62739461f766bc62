using System.Diagnostics;
using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// Crash ⇒ at least once, never lost: a worker process runs the commands and is killed with SIGKILL at five seeded random
/// moments, then started again. Each execution is appended (unbuffered) to a per-process file before the handler returns,
/// so a kill right after still counts it. At the end every command is completed; none was lost; a command ran more than
/// once only if the killed process held it (claimed, running or finished but not yet recorded) at a kill, and at most
/// once more per such kill.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 5;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private static int Commands => Reliability.Long ? 20_000 : 3_000;

    [SkippableFact]
    public async Task Postgres_worker_killed_five_times_loses_nothing_and_repeats_only_what_it_held()
    {
        var connectionString = TestPostgres.ConnectionString;
        var schema = TestPostgres.NewSchema("crash");
        try
        {
            await using var store = new PostgresStore(connectionString, new PostgresStoreOptions { Schema = schema });
            await RunAsync("Crash (PostgreSQL)", store, incarnation =>
            {
                var application = $"durex-crash-{incarnation}-{schema[^6..]}";
                return (["--store", "postgres", "--connection", TestPostgres.WithApplicationName(connectionString, application), "--schema", schema],
                    () => TestPostgres.WaitForBackendsGoneAsync(connectionString, application));
            });
        }
        finally
        {
            await TestPostgres.DropSchemaAsync(connectionString, schema);
        }
    }

    [Fact]
    public async Task Sqlite_worker_killed_five_times_loses_nothing_and_repeats_only_what_it_held()
    {
        var directory = Directory.CreateTempSubdirectory("durex-crash-");
        try
        {
            var path = Path.Combine(directory.FullName, "durex.db");
            await using var store = new SqliteStore(path);
            // The kernel releases a killed process's file locks at once: nothing to wait for.
            await RunAsync("Crash (SQLite)", store, _ => (["--store", "sqlite", "--connection", path], () => Task.CompletedTask));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <param name="workerArguments">The store arguments of the worker's incarnation n, and a wait for its leftovers after a kill.</param>
    private async Task RunAsync(string test, ICommandStore store, Func<int, (string[] Arguments, Func<Task> AfterKill)> workerArguments)
    {
        var seed = Reliability.Seed(output);
        var random = new Random(seed);
        var commands = Commands;
        // Kill k when the completed count passes a random point of the k-th of five slices of 5 %–80 % (plus a random
        // delay), as soon as the process holds commands: a kill while it waits idle for the leases of the previous one to
        // expire would test nothing.
        var thresholds = Enumerable.Range(0, Kills).Select(k => (long)(commands * (0.05 + 0.75 * (k + 0.15 + 0.7 * random.NextDouble()) / Kills))).ToArray();
        var killDelaysMs = Enumerable.Range(0, Kills).Select(_ => random.Next(0, 25)).ToArray();
        output.WriteLine($"kill thresholds (completed commands): {string.Join(", ", thresholds)}; extra delays {string.Join(", ", killDelaysMs)} ms");

        var ids = await Reliability.EnqueueAsync(store, commands);
        var logs = Directory.CreateTempSubdirectory("durex-crash-executions-");
        try
        {
            var files = new List<string>();
            var heldAtKill = new List<HashSet<Guid>>();
            var clock = Stopwatch.StartNew();
            for (var incarnation = 0; incarnation <= Kills; incarnation++)
            {
                var file = Path.Combine(logs.FullName, $"executions-{incarnation}.txt");
                files.Add(file);
                var (arguments, afterKill) = workerArguments(incarnation);
                await using var worker = WorkerProcess.Start($"worker {incarnation}",
                    ["drain", .. arguments, "--out", file, "--lease-ms", ((int)Lease.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "--work-ms", "10", "--parallelism", "8"]);
                var instance = (await worker.WaitForLineAsync("ready ", Reliability.HangGuard))["ready ".Length..];
                await worker.WaitForLineAsync("started", Reliability.HangGuard);

                if (incarnation < Kills)
                {
                    var threshold = thresholds[incarnation];
                    await Poll.UntilAsync(async () =>
                    {
                        Assert.False(worker.HasExited, $"{worker.Label} ended by itself.\n{worker.Describe()}");
                        return await Reliability.CountAsync(store, CommandStatus.Completed) >= threshold;
                    }, Reliability.HangGuard, () => $"{threshold} completed commands before kill {incarnation + 1}", intervalMs: 10);
                    await Task.Delay(killDelaysMs[incarnation]); // the kill moment itself is part of the seeded randomness
                    await Poll.UntilAsync(async () =>
                    {
                        Assert.False(worker.HasExited, $"{worker.Label} ended by itself.\n{worker.Describe()}");
                        return (await Reliability.FindAllAsync(store, CommandStatus.Started)).Any(c => c.LeaseOwner == instance);
                    }, Reliability.HangGuard, () => $"{worker.Label} holding commands before kill {incarnation + 1}", intervalMs: 5);
                    worker.Kill();
                    await afterKill();
                    var held = (await Reliability.FindAllAsync(store, CommandStatus.Started)).Where(c => c.LeaseOwner == instance).Select(c => c.Id).ToHashSet();
                    heldAtKill.Add(held);
                    output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: killed {worker.Label} ({instance}) holding {held.Count} commands");
                }
                else
                {
                    long completed = 0;
                    await Poll.UntilAsync(async () =>
                    {
                        Assert.False(worker.HasExited, $"{worker.Label} ended by itself.\n{worker.Describe()}");
                        return (completed = await Reliability.CountAsync(store, CommandStatus.Completed)) == commands;
                    }, Reliability.HangGuard, () => $"all {commands} commands completed (now {completed})\n{worker.Describe()}");
                    Assert.Equal(0, await worker.StopAsync(Reliability.HangGuard));
                }
            }

            var elapsed = clock.Elapsed;
            var (executions, perIncarnation) = Reliability.ReadExecutions(files);
            var statistics = await store.GetStatisticsAsync(new StatisticsRequest { Now = DateTimeOffset.UtcNow });
            var lost = ids.Count(id => !executions.ContainsKey(id));
            var duplicates = executions.Values.Sum(n => n - 1);
            var inFlight = heldAtKill.Sum(h => h.Count);
            // Executed by the killed process but not yet recorded as completed: the only commands that may run again.
            var executedInFlight = heldAtKill.Select((held, k) => held.Count(perIncarnation[k].Contains)).Sum();

            Results.Report(output, test,
                ("seed", seed), ("commands", commands), ("kills survived", heldAtKill.Count), ("lease", Lease),
                ("held at kills", inFlight), ("executed but unrecorded at kills", executedInFlight),
                ("lost", lost), ("duplicates", duplicates), ("max runs of one command", executions.Values.DefaultIfEmpty().Max()),
                ("elapsed", elapsed));

            Assert.Equal(Kills, heldAtKill.Count);
            Assert.DoesNotContain(executions.Keys, id => !ids.Contains(id));
            Assert.Equal(0, lost);
            Assert.Equal(commands, statistics.Counts[CommandStatus.Completed]);
            Assert.Equal(commands, statistics.Total);
            Assert.True(duplicates <= executedInFlight, $"{duplicates} duplicate executions, but only {executedInFlight} commands had run unrecorded in a killed process");
            Assert.True(duplicates <= inFlight);
            foreach (var (id, runs) in executions)
            {
                var allowed = 1 + heldAtKill.Where((held, k) => held.Contains(id) && perIncarnation[k].Contains(id)).Count();
                Assert.True(runs <= allowed, $"{id} ran {runs} times; it was held (and run) by a killed process at {allowed - 1} kills");
            }
        }
        finally
        {
            logs.Delete(recursive: true);
        }
    }
}
