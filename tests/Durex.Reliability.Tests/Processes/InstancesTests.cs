using System.Diagnostics;
using Durex.PostgreSql;
using Npgsql;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// Several instances on one PostgreSQL database: four worker processes drain one queue. Without a crash every command runs
/// exactly once and every process takes a real share; when one is killed, the others rescue what it held once its lease
/// expires.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class InstancesTests(ITestOutputHelper output)
{
    private const int Processes = 4;

    [SkippableFact]
    public async Task Four_processes_run_each_command_exactly_once_and_share_the_work()
    {
        var connectionString = TestPostgres.ConnectionString;
        var schema = TestPostgres.NewSchema("four");
        var commands = Reliability.Long ? 50_000 : 4 * 8_000;
        var logs = Directory.CreateTempSubdirectory("durex-four-");
        var workers = new List<WorkerProcess>();
        try
        {
            await using var store = new PostgresStore(connectionString, new PostgresStoreOptions { Schema = schema });
            var ids = await Reliability.EnqueueAsync(store, commands);
            var files = Enumerable.Range(0, Processes).Select(n => Path.Combine(logs.FullName, $"executions-{n}.txt")).ToArray();
            await StartTogetherAsync(workers, files, n => ["--store", "postgres", "--connection", connectionString, "--schema", schema]);

            var clock = Stopwatch.StartNew();
            long completed = 0;
            await Poll.UntilAsync(async () =>
            {
                Assert.DoesNotContain(workers, w => w.HasExited);
                return (completed = await Reliability.CountAsync(store, CommandStatus.Completed)) == commands;
            }, Reliability.HangGuard, () => $"all {commands} commands completed (now {completed})");
            var elapsed = clock.Elapsed;
            foreach (var worker in workers)
            {
                Assert.Equal(0, await worker.StopAsync(Reliability.HangGuard));
            }

            var (executions, perProcess) = Reliability.ReadExecutions(files);
            var shares = perProcess.Select(p => p.Count).ToArray();
            Results.Report(output, "Several instances, no crash (PostgreSQL)",
                ("processes", Processes), ("commands", commands), ("executions", executions.Values.Sum()),
                ("lost", ids.Count(id => !executions.ContainsKey(id))), ("duplicates", executions.Values.Sum(n => n - 1)),
                ("shares", string.Join(" / ", shares)), ("elapsed", elapsed),
                ("commands/s", Math.Round(commands / elapsed.TotalSeconds)));

            Assert.Equal(commands, executions.Count);
            Assert.True(ids.SetEquals(executions.Keys), "the executed ids are not the enqueued ones");
            Assert.All(executions, e => Assert.Equal(1, e.Value));
            // A real share each: at least a tenth of the work (a fair share is a quarter).
            Assert.All(shares, share => Assert.True(share >= commands / 10, $"a process ran only {share} of {commands} commands: {string.Join(" / ", shares)}"));
            Assert.Equal(commands, await Reliability.CountAsync(store, CommandStatus.Completed));
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }

            logs.Delete(recursive: true);
            await TestPostgres.DropSchemaAsync(connectionString, schema);
        }
    }

    [SkippableFact]
    public async Task A_killed_process_leases_are_rescued_by_the_others_within_the_lease_time()
    {
        var connectionString = TestPostgres.ConnectionString;
        var schema = TestPostgres.NewSchema("rescue");
        var seed = Reliability.Seed(output);
        var random = new Random(seed);
        var commands = Reliability.Long ? 20_000 : 6_000;
        var lease = TimeSpan.FromSeconds(5);
        var rescueInterval = lease / 2; // the default RescueInterval
        var margin = TimeSpan.FromSeconds(15); // a shared 2-core machine: an outcome bound, not a benchmark
        var logs = Directory.CreateTempSubdirectory("durex-rescue-");
        var workers = new List<WorkerProcess>();
        try
        {
            await using var store = new PostgresStore(connectionString, new PostgresStoreOptions { Schema = schema });
            var ids = await Reliability.EnqueueAsync(store, commands);
            var files = Enumerable.Range(0, Processes).Select(n => Path.Combine(logs.FullName, $"executions-{n}.txt")).ToArray();
            var applications = Enumerable.Range(0, Processes).Select(n => $"durex-rescue-{n}-{schema[^6..]}").ToArray();
            var instances = await StartTogetherAsync(workers, files, n =>
                ["--store", "postgres", "--connection", TestPostgres.WithApplicationName(connectionString, applications[n]), "--schema", schema,
                 "--lease-ms", ((int)lease.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "--work-ms", "40"]);

            // Kill late enough that the backlog left drains within the lease: the rescued commands, which go back to the
            // queue behind it, are then run as soon as they are rescued.
            var threshold = (long)(commands * (0.6 + 0.2 * random.NextDouble()));
            await Poll.UntilAsync(async () =>
            {
                Assert.DoesNotContain(workers, w => w.HasExited);
                return await Reliability.CountAsync(store, CommandStatus.Completed) >= threshold;
            }, Reliability.HangGuard, () => $"{threshold} completed commands before the kill", intervalMs: 10);

            var started = await Reliability.FindAllAsync(store, CommandStatus.Started);
            output.WriteLine("before the kill: " + string.Join(", ", started.GroupBy(c => c.LeaseOwner).Select(g => $"{g.Key} holds {g.Count()}")));
            var holding = started.Select(c => c.LeaseOwner).ToHashSet();
            var candidates = Enumerable.Range(0, Processes).Where(n => holding.Contains(instances[n])).ToArray();
            Assert.NotEmpty(candidates);
            var victim = candidates[random.Next(candidates.Length)];
            var clock = Stopwatch.StartNew();
            workers[victim].Kill();
            await TestPostgres.WaitForBackendsGoneAsync(connectionString, applications[victim]);
            var held = (await Reliability.FindAllAsync(store, CommandStatus.Started)).Where(c => c.LeaseOwner == instances[victim]).Select(c => c.Id).ToArray();
            output.WriteLine($"killed process {victim} ({instances[victim]}) at {threshold} completed, holding {held.Length} commands ({clock.Elapsed.TotalMilliseconds:0} ms after the kill)");
            if (held.Length == 0)
            {
                // Explain where the commands it held a moment before went (completed by its last apply, or rescued?).
                var before = started.Where(c => c.LeaseOwner == instances[victim]).Select(c => c.Id).ToArray();
                var fates = await TestPostgres.ScalarAsync(connectionString,
                    $"SELECT count(*) FROM \"{schema}\".history WHERE type = 'recovered' AND command_id = ANY($1)", before);
                var completedNow = await TestPostgres.ScalarAsync(connectionString,
                    $"SELECT count(*) FROM \"{schema}\".commands WHERE status = 'COMPLETED' AND id = ANY($1)", before);
                Assert.Fail($"The killed process held nothing: of the {before.Length} commands it held just before the kill, {completedNow} are completed and {fates} were rescued.");
            }

            // Rescued: none of them is leased by the dead process any more. Done: all of them completed (by the others).
            TimeSpan? rescuedAfter = null;
            long stillHeld = 0, notDone = 0;
            await Poll.UntilAsync(async () =>
            {
                (stillHeld, notDone) = await HeldAndUnfinishedAsync(connectionString, schema, held, instances[victim]);
                if (stillHeld == 0)
                {
                    rescuedAfter ??= clock.Elapsed;
                }

                return notDone == 0;
            }, Reliability.HangGuard, () => $"the {held.Length} commands of the killed process completed ({stillHeld} still leased by it, {notDone} unfinished)", intervalMs: 50);
            var doneAfter = clock.Elapsed;

            long completed = 0;
            await Poll.UntilAsync(async () => (completed = await Reliability.CountAsync(store, CommandStatus.Completed)) == commands,
                Reliability.HangGuard, () => $"all {commands} commands completed (now {completed})");
            foreach (var (worker, n) in workers.Select((w, n) => (w, n)).Where(p => p.n != victim))
            {
                Assert.Equal(0, await worker.StopAsync(Reliability.HangGuard));
            }

            var (executions, perProcess) = Reliability.ReadExecutions(files);
            var heldSet = held.ToHashSet();
            var survivors = perProcess.Where((_, n) => n != victim).SelectMany(p => p).ToHashSet();
            var executedUnrecorded = held.Count(perProcess[victim].Contains);
            var duplicates = executions.Values.Sum(n => n - 1);
            var bound = lease + rescueInterval + margin;
            Results.Report(output, "Several instances, one killed (PostgreSQL)",
                ("seed", seed), ("processes", Processes), ("commands", commands), ("lease", lease), ("rescue interval", rescueInterval),
                ("held by the killed process", held.Length), ("executed but unrecorded", executedUnrecorded),
                ("rescued after", rescuedAfter ?? doneAfter), ("completed after", doneAfter), ("bound", bound),
                ("lost", ids.Count(id => !executions.ContainsKey(id))), ("duplicates", duplicates));

            Assert.True(doneAfter <= bound, $"the killed process's commands completed {doneAfter} after the kill, beyond lease + rescue interval + margin = {bound}");
            Assert.True(ids.SetEquals(executions.Keys), "lost or unknown commands");
            Assert.All(held, id => Assert.Contains(id, survivors)); // the others ran every command it held
            Assert.True(duplicates <= executedUnrecorded, $"{duplicates} duplicates, but the killed process had run only {executedUnrecorded} of its commands unrecorded");
            Assert.All(executions, e => Assert.True(e.Value == 1 || (e.Value == 2 && heldSet.Contains(e.Key)),
                $"{e.Key} ran {e.Value} times (held by the killed process: {heldSet.Contains(e.Key)})"));
            Assert.Equal(commands, await Reliability.CountAsync(store, CommandStatus.Completed));
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }

            logs.Delete(recursive: true);
            await TestPostgres.DropSchemaAsync(connectionString, schema);
        }
    }

    /// <summary>Starts the workers, waits until all are ready, then says "go" to all at once; returns their instance names.</summary>
    private static async Task<string[]> StartTogetherAsync(List<WorkerProcess> workers, string[] files, Func<int, string[]> storeArguments)
    {
        for (var n = 0; n < files.Length; n++)
        {
            workers.Add(WorkerProcess.Start($"worker {n}", ["drain", .. storeArguments(n), "--out", files[n], "--parallelism", "8", "--wait-go"]));
        }

        var instances = new string[workers.Count];
        for (var n = 0; n < workers.Count; n++)
        {
            instances[n] = (await workers[n].WaitForLineAsync("ready ", Reliability.HangGuard))["ready ".Length..];
        }

        foreach (var worker in workers)
        {
            await worker.SendAsync("go");
        }

        foreach (var worker in workers)
        {
            await worker.WaitForLineAsync("started", Reliability.HangGuard);
        }

        return instances;
    }

    private static async Task<(long StillHeld, long NotDone)> HeldAndUnfinishedAsync(string connectionString, string schema, Guid[] ids, string owner)
    {
        await using var connection = await TestPostgres.OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            $"SELECT count(*) FILTER (WHERE status = 'STARTED' AND lease_owner = $2), count(*) FILTER (WHERE status <> 'COMPLETED') FROM \"{schema}\".commands WHERE id = ANY($1)",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        command.Parameters.Add(new NpgsqlParameter { Value = owner });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
