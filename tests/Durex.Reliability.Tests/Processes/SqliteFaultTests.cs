using System.Collections.Concurrent;
using System.Diagnostics;
using Durex.Sqlite;
using Durex.Tests.Shared;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// SQLite when the file cannot be written: a read-only database and a full disk report a clear error, run nothing, and
/// lose nothing already enqueued; once the file is writable again every command runs exactly once.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class SqliteFaultTests(ITestOutputHelper output)
{
    private const int ClaimFailedEvent = 20;
    private const int Commands = 1_000;
    private const int SqliteReadOnly = 8, SqliteFull = 13;

    [Fact]
    public async Task Sqlite_read_only_database_reports_a_clear_error_runs_nothing_and_loses_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("durex-readonly-");
        try
        {
            var path = Path.Combine(directory.FullName, "durex.db");
            HashSet<Guid> ids;
            await using (var writable = new SqliteStore(path))
            {
                ids = await Reliability.EnqueueAsync(writable, Commands);
            }

            // Opened read-only (file modes would not stop root, who runs the tests in CI). The schema is there, so the
            // executor starts; every claim then fails and is logged, and an enqueue fails at once.
            var clock = Stopwatch.StartNew();
            var logs = new ConcurrentQueue<LogEntry>();
            var executions = new ConcurrentDictionary<Guid, int>();
            Exception? addError, claimError;
            DurexHealthReport health;
            long pending;
            int claimFailures;
            await using (var readOnly = new SqliteStore(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }))
            await using (var executor = Counting(new Executor(readOnly, o =>
            {
                o.LoggerFactory = new CapturingLoggerFactory("executor", clock, logs);
                o.PollInterval = TimeSpan.FromMilliseconds(200);
            }), executions))
            {
                await executor.StartAsync();
                addError = await Record.ExceptionAsync(() => executor.AddAsync(new CommandSpec("rel")).AsTask());
                await Poll.UntilAsync(() => Task.FromResult(logs.Count(l => l.EventId == ClaimFailedEvent) >= 3), TimeSpan.FromSeconds(60),
                    () => $"three failed claims logged (have {logs.Count(l => l.EventId == ClaimFailedEvent)})");
                claimError = logs.First(l => l.EventId == ClaimFailedEvent).Exception;
                health = await executor.CheckHealthAsync();
                pending = await Reliability.CountAsync(readOnly, CommandStatus.Pending); // reading still works
                claimFailures = logs.Count(l => l.EventId == ClaimFailedEvent);
            }

            var ranWhileReadOnly = executions.Count;

            // Writable again: everything runs, once.
            await using (var writable = new SqliteStore(path))
            await using (var executor = Counting(new Executor(writable), executions))
            {
                await executor.StartAsync();
                await executor.WaitForIdleAsync().WaitAsync(Reliability.HangGuard);
                Results.Report(output, "SQLite read-only database",
                    ("commands", Commands), ("enqueue error", Describe(addError)), ("claim error logged", Describe(claimError)),
                    ("claim failures logged", claimFailures), ("health while read-only", $"{health.StatusText}{(health.Message is null ? "" : " (" + health.Message + ")")}"),
                    ("pending while read-only", pending), ("ran while read-only", ranWhileReadOnly),
                    ("completed once writable", await Reliability.CountAsync(writable, CommandStatus.Completed)),
                    ("lost", ids.Count(id => !executions.ContainsKey(id))), ("duplicates", executions.Values.Sum(n => n - 1)));
                Assert.Equal(Commands, await Reliability.CountAsync(writable, CommandStatus.Completed));
            }

            AssertSqliteError(addError, SqliteReadOnly, "readonly");
            AssertSqliteError(claimError, SqliteReadOnly, "readonly");
            Assert.Equal(0, ranWhileReadOnly);
            Assert.Equal(Commands, pending);
            Assert.True(ids.SetEquals(executions.Keys));
            Assert.All(executions, e => Assert.Equal(1, e.Value));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task Sqlite_disk_full_reports_a_clear_error_loses_nothing_and_recovers_when_space_returns()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a small tmpfs to fill needs Linux");
        var directory = Directory.CreateTempSubdirectory("durex-diskfull-");
        var (mountCode, mountText) = await ExternalProcess.RunAsync("mount", directory.FullName, TimeSpan.FromMinutes(1),
            "-t", "tmpfs", "-o", "size=16m", "tmpfs", directory.FullName);
        if (mountCode != 0)
        {
            directory.Delete();
            throw new SkipException($"cannot mount a small tmpfs to fill (needs root or CAP_SYS_ADMIN): mount exited with {mountCode}: {mountText.Trim()}");
        }

        var clock = Stopwatch.StartNew();
        var logs = new ConcurrentQueue<LogEntry>();
        var executions = new ConcurrentDictionary<Guid, int>();
        var path = Path.Combine(directory.FullName, "durex.db");
        var filler = Path.Combine(directory.FullName, "filler");
        try
        {
            await using var store = new SqliteStore(path);
            var ids = await Reliability.EnqueueAsync(store, Commands);
            Checkpoint(path); // an empty write-ahead log: the next write must grow it
            var filled = Fill(filler);
            var freeAfterFill = new DriveInfo(directory.FullName).AvailableFreeSpace;

            await using var executor = Counting(new Executor(store, o =>
            {
                o.LoggerFactory = new CapturingLoggerFactory("executor", clock, logs);
                o.PollInterval = TimeSpan.FromMilliseconds(200);
            }), executions);
            var addError = await Record.ExceptionAsync(() => executor.AddAsync(new CommandSpec("rel")).AsTask());
            await executor.StartAsync();
            await Poll.UntilAsync(() => Task.FromResult(logs.Count(l => l.EventId == ClaimFailedEvent) >= 3), TimeSpan.FromSeconds(60),
                () => $"three failed claims logged (have {logs.Count(l => l.EventId == ClaimFailedEvent)})");
            var claimError = logs.First(l => l.EventId == ClaimFailedEvent).Exception;
            var ranWhileFull = executions.Count;
            var pendingWhileFull = await Reliability.CountAsync(store, CommandStatus.Pending);
            var health = await executor.CheckHealthAsync();

            File.Delete(filler);
            var freed = clock.Elapsed;
            long completed = 0;
            await Poll.UntilAsync(async () => (completed = await Reliability.CountAsync(store, CommandStatus.Completed)) == Commands, Reliability.HangGuard,
                () => $"all {Commands} commands completed once space returned (now {completed})");
            var recoveredAfter = clock.Elapsed - freed;
            await executor.StopAsync();

            Results.Report(output, "SQLite disk full (16 MB tmpfs)",
                ("commands", Commands), ("filler", Results.Megabytes(filled)), ("free after filling", freeAfterFill),
                ("enqueue error", Describe(addError)), ("claim error logged", Describe(claimError)),
                ("claim failures logged while full", logs.Count(l => l.EventId == ClaimFailedEvent)), ("ran while full", ranWhileFull),
                ("pending while full", pendingWhileFull), ("health while full", $"{health.StatusText}{(health.Message is null ? "" : " (" + health.Message + ")")}"),
                ("all completed after space returned", recoveredAfter),
                ("lost", ids.Count(id => !executions.ContainsKey(id))), ("duplicates", executions.Values.Sum(n => n - 1)));

            AssertSqliteError(addError, SqliteFull, "full");
            AssertSqliteError(claimError, SqliteFull, "full");
            Assert.Equal(0, ranWhileFull);
            Assert.Equal(Commands, pendingWhileFull);
            Assert.True(ids.SetEquals(executions.Keys));
            Assert.All(executions, e => Assert.Equal(1, e.Value));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            var (code, text) = await ExternalProcess.RunAsync("umount", "/", TimeSpan.FromMinutes(1), directory.FullName);
            if (code != 0)
            {
                output.WriteLine($"umount failed ({text.Trim()}); detaching it lazily");
                await ExternalProcess.RunAsync("umount", "/", TimeSpan.FromMinutes(1), "-l", directory.FullName);
            }

            directory.Delete(recursive: true);
        }
    }

    private static Executor Counting(Executor executor, ConcurrentDictionary<Guid, int> executions)
    {
        executor.Handle("rel", (context, _) =>
        {
            executions.AddOrUpdate(context.Id, 1, (_, runs) => runs + 1);
            return ValueTask.FromResult(CommandResult.Empty);
        });
        return executor;
    }

    private static void Checkpoint(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(0L, reader.GetInt64(0)); // not blocked by a reader
    }

    /// <summary>Writes <paramref name="path"/> until the file system has no block left; returns its size.</summary>
    private static long Fill(string path)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        foreach (var chunk in new[] { 1 << 16, 1 << 12, 1 << 9, 1 })
        {
            var block = new byte[chunk];
            try
            {
                while (true)
                {
                    file.Write(block);
                }
            }
            catch (IOException)
            {
                // No room for another chunk of this size: go on with smaller ones.
            }
        }

        return file.Length;
    }

    private static void AssertSqliteError(Exception? error, int code, string text)
    {
        var sqlite = Assert.IsType<SqliteException>(error, exactMatch: false);
        Assert.Equal(code, sqlite.SqliteErrorCode);
        Assert.Contains(text, sqlite.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static string Describe(Exception? error) => error is null ? "none" : $"{error.GetType().Name}: {error.Message}";
}
