using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.BadInput;

/// <summary>
/// Rows written straight into the tables with values Durex never writes. The worker must not crash or stall on them, a
/// claimable bad row must end failed (or dead-lettered) with a message naming the problem after at most one attempt,
/// the dashboard must show every row, and the other commands must keep running.
/// </summary>
public sealed class CorruptRowTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>What becomes of a row: it fails with a message, it runs normally, or nobody claims it.</summary>
    private enum Fate
    {
        Fails,
        Completes,
        Waits,
    }

    /// <param name="What">For messages.</param>
    /// <param name="Handler">The handler the row is enqueued for (before it is spoilt).</param>
    /// <param name="Set">The SQL <c>SET</c> list that spoils it.</param>
    /// <param name="Fate">What must happen to it.</param>
    /// <param name="Message">Text its error (or read error) must contain.</param>
    private sealed record Corruption(string What, string Handler, string Set, Fate Fate, string? Message = null);

    private static readonly Corruption[] SqliteCorruptions =
    [
        new("tags that are not JSON", "ok", "tags = '[not json'", Fate.Fails, "column tags"),
        new("a sequence that is not JSON", "ok", "sequence = '{\"broken\"'", Fate.Fails, "column sequence"),
        new("a payload that is not JSON", "ok", "payload = x'fffe00'", Fate.Fails, "The stored payload cannot be used, so the command is not retried. The payload is not valid JSON"),
        new("a text payload for a typed handler", "typed", "payload = 'plain text'", Fate.Fails, "cannot be read as Invoice"),
        new("a creation time out of range", "ok", "created_at = 9000000000000000000", Fate.Fails, "column created_at"),
        new("a parent id of 2 bytes", "ok", "parent_id = x'0102'", Fate.Fails, "column parent_id"),
        new("an invalid cron expression", "ok", "cron = 'not a cron'", Fate.Fails, "cron schedule"),
        new("an unknown cron time zone", "ok", "cron = '@daily', cron_tz = 'Mars/Olympus'", Fate.Fails, "Mars/Olympus"),
        new("NULL correlation and trace ids", "ok", "correlation_id = NULL, trace_id = NULL, trace_parent = NULL", Fate.Completes),
        new("text in an integer column", "ok", "priority = 'high'", Fate.Completes),
        new("a status number no status has", "ok", "status = 42", Fate.Waits, "column status holds 42"),
        new("a status that is text", "ok", "status = 'garbage'", Fate.Waits, "column status holds 'garbage'"),
        new("an empty name", "ok", "name = ''", Fate.Waits),
        new("a name no executor can register", "ok", "name = 'x''; DROP TABLE durex_commands; --'", Fate.Waits),
    ];

    private static readonly Corruption[] PostgresCorruptions =
    [
        new("a NULL inside the tags", "ok", "tags = ARRAY['t', NULL]", Fate.Fails, "column tags"),
        new("a two-dimensional sequence", "ok", "sequence = '{{a,b},{c,d}}'", Fate.Fails, "column sequence"),
        new("a payload that is not UTF-8 or JSON", "ok", "payload = '\\xfffe00'::bytea", Fate.Fails, "The stored payload cannot be used, so the command is not retried. The payload is not valid JSON"),
        new("a text payload for a typed handler", "typed", "payload = convert_to('plain text', 'UTF8')", Fate.Fails, "cannot be read as Invoice"),
        new("a creation time after year 9999", "ok", "created_at = '20000-01-01'", Fate.Fails, "column created_at"),
        new("a ready time before year 1", "ok", "ready_at = '0100-01-01 BC'", Fate.Fails, "column ready_at"),
        new("an invalid cron expression", "ok", "cron = 'not a cron'", Fate.Fails, "cron schedule"),
        new("NULL correlation and trace ids", "ok", "correlation_id = NULL, trace_id = NULL, trace_parent = NULL", Fate.Completes),
        new("a name no executor can register", "ok", "name = 'x''; DROP TABLE commands; --'", Fate.Waits),
    ];

    [Fact]
    public Task Sqlite_rows_with_bad_values_are_failed_or_shown_and_nothing_stops() =>
        RunAsync(new SqliteRawStore(), SqliteCorruptions, deadLetters: false, async (raw, good) =>
        {
            // A row inserted by hand: an id of 2 bytes, everything else minimal. Never claimed (its outcome could not be
            // written back by id); listed with a read error.
            await raw.ExecuteAsync($"INSERT INTO {raw.Commands} (id, name, status, created_at, ready_at) VALUES (x'0102', 'ok', 0, 0, 0)");
            // A history row of a type Durex does not know, for a good command: left out of its history.
            await raw.ExecuteAsync($"INSERT INTO {raw.History} (command_id, type, at, attempt) VALUES ({raw.IdLiteral(good)}, 99, 0, 0)");
        });

    [SkippableFact]
    public Task Postgres_rows_with_bad_values_are_dead_lettered_or_shown_and_nothing_stops() =>
        RunAsync(new PostgresRawStore(), PostgresCorruptions, deadLetters: true, async (raw, good) =>
        {
            await raw.ExecuteAsync($"INSERT INTO {raw.History} (command_id, type, at, attempt) VALUES ({raw.IdLiteral(good)}, 'bogus', now(), 0)");
            // What PostgreSQL refuses by itself: an unknown status (CHECK) and NULLs in NOT NULL columns.
            foreach (var (set, state) in new[]
                     {
                         ("status = 'BOGUS'", PostgresErrorCodes.CheckViolation), ("status = NULL", PostgresErrorCodes.NotNullViolation),
                         ("tags = NULL", PostgresErrorCodes.NotNullViolation), ("payload = NULL", PostgresErrorCodes.NotNullViolation),
                         ("name = NULL", PostgresErrorCodes.NotNullViolation),
                     })
            {
                var error = await Assert.ThrowsAsync<PostgresException>(() => raw.ExecuteAsync($"UPDATE {raw.Commands} SET {set} WHERE id = {raw.IdLiteral(good)}"));
                Assert.Equal(state, error.SqlState);
            }
        });

    private async Task RunAsync(RawStore raw, Corruption[] corruptions, bool deadLetters, Func<RawStore, Guid, Task> more)
    {
        await using var _ = raw;
        var time = new FakeTimeProvider(Start);
        await using var executor = new Executor(raw.Store, o =>
        {
            o.TimeProvider = time;
            o.DefaultRetries = 3; // a retry storm would show as more than one attempt
            o.DeadLetterQueue = deadLetters;
            o.Retention.CleanupInterval = null;
        });
        var runs = new System.Collections.Concurrent.ConcurrentDictionary<Guid, int>();
        executor.Handle("ok", (ctx, ct) =>
        {
            runs.AddOrUpdate(ctx.Id, 1, (_, n) => n + 1);
            ctx.Data.GetString("x"); // reads the payload
            return ValueTask.FromResult(ctx.Command.Cron is null ? CommandResult.Empty : CommandResult.Repeat());
        });
        executor.HandleTyped("typed", ReliabilityJson.Default.Invoice, (_, ctx, _) =>
        {
            runs.AddOrUpdate(ctx.Id, 1, (_, n) => n + 1);
            return ValueTask.FromResult(CommandResult.Empty);
        });

        var good = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            good.Add((await executor.AddAsync(new CommandSpec("ok") { Data = { ["x"] = $"good {i}" }, Tags = { "t" } })).Id);
        }

        var spoilt = new Dictionary<Guid, Corruption>();
        foreach (var corruption in corruptions)
        {
            var spec = corruption.Handler == "typed"
                ? CommandSpec.Create("typed", new Invoice("B-7", 3m), ReliabilityJson.Default.Invoice)
                : new CommandSpec("ok") { Data = { ["x"] = "y" } };
            spec.Tags.Add("t");
            spec.CorrelationId = "workflow-1";
            var id = (await executor.AddAsync(spec)).Id;
            Assert.Equal(1, await raw.ExecuteAsync($"UPDATE {raw.Commands} SET {corruption.Set} WHERE id = {raw.IdLiteral(id)}"));
            spoilt[id] = corruption;
        }

        await more(raw, good[0]);
        var tables = await raw.TablesAsync();
        await executor.StartAsync();
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);

        foreach (var id in good)
        {
            var command = (await executor.GetAsync(id))!;
            Assert.True(command.Status == CommandStatus.Completed, $"{command}: {command.Error}");
            Assert.Equal(1, runs[id]);
        }

        Assert.DoesNotContain(await executor.GetHistoryAsync(good[0]), e => (int)e.Type > (int)HistoryEventType.Interrupted);
        foreach (var (id, corruption) in spoilt)
        {
            var command = await executor.GetAsync(id);
            Assert.True(command is not null, corruption.What);
            output.WriteLine($"{corruption.What}: {command.Status} attempt {command.Attempt}: {command.Error ?? command.ReadError}");
            switch (corruption.Fate)
            {
                case Fate.Fails:
                    Assert.True(command.Status == (deadLetters ? CommandStatus.DeadLetter : CommandStatus.Failed), $"{corruption.What}: {command}");
                    Assert.True(command.Attempt <= 1, $"{corruption.What}: {command.Attempt} attempts");
                    Assert.True(runs.GetValueOrDefault(id) <= 1, corruption.What);
                    Assert.True(command.Error?.Contains(corruption.Message!, StringComparison.Ordinal), $"{corruption.What}: {command.Error}");
                    Assert.DoesNotContain(await executor.GetHistoryAsync(id), e => e.Type == HistoryEventType.Retrying);
                    break;
                case Fate.Completes:
                    Assert.Equal(CommandStatus.Completed, command.Status);
                    Assert.Equal(1, runs[id]);
                    break;
                default:
                    Assert.False(runs.ContainsKey(id), corruption.What);
                    Assert.Equal(0, command.Attempt);
                    if (corruption.Message is { } message)
                    {
                        Assert.True(command.ReadError?.Contains(message, StringComparison.Ordinal), $"{corruption.What}: {command.ReadError}");
                    }

                    break;
            }
        }

        var unreadable = new HashSet<Guid>();
        foreach (var id in spoilt.Keys)
        {
            if ((await executor.GetAsync(id))!.ReadError is not null)
            {
                unreadable.Add(id);
            }
        }

        await CheckDashboardAsync(executor, spoilt.Keys.Concat(good).ToHashSet(), unreadable);

        // Nothing stopped: new work still runs, and the tables are the same ones.
        var later = await executor.AddManyAsync(Enumerable.Range(0, 5).Select(i => new CommandSpec("ok") { Data = { ["x"] = $"later {i}" } }));
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);
        foreach (var command in later)
        {
            Assert.Equal(CommandStatus.Completed, (await executor.GetAsync(command.Id))!.Status);
        }

        Assert.Equal(tables, await raw.TablesAsync());
    }

    /// <summary>Every view of the dashboard answers without a server error while the bad rows are in the table.</summary>
    private static async Task CheckDashboardAsync(Executor executor, HashSet<Guid> expected, HashSet<Guid> unreadable)
    {
        await using var server = await DashboardServer.StartAsync(executor);
        async Task<JsonNode> Get(string url, HttpStatusCode status = HttpStatusCode.OK)
        {
            using var response = await server.Client.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"GET {url}: {(int)response.StatusCode} {text}");
            return JsonNode.Parse(text)!;
        }

        var listed = (await Get("api/commands?limit=1000"))["items"]!.AsArray();
        var ids = listed.Select(i => Guid.Parse((string)i!["id"]!)).ToHashSet();
        Assert.Subset(ids, expected);
        // A row a store could not read says so in its error, whether or not an executor has failed it yet.
        foreach (var item in listed.Where(i => unreadable.Contains(Guid.Parse((string)i!["id"]!))))
        {
            var error = (string?)item!["error"];
            Assert.True(error?.Contains("the stored row is not one Durex can read", StringComparison.Ordinal), error);
        }

        foreach (var url in new[]
                 {
                     "api/stats", "api/health", "api/dead-letters", "api/commands?status=FAILED,DEAD_LETTER", "api/commands?tag=t",
                     "api/commands?search=plain", "api/commands?search=x&limit=3", "api/commands?name=ok&order=oldest",
                     "api/commands?correlationId=workflow-1", "api/workflows/workflow-1",
                 })
        {
            await Get(url);
        }

        // Paging walks every row once even with stand-in ids and clamped times among them.
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await Get("api/commands?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page["items"]!.AsArray().Select(i => Guid.Parse((string)i!["id"]!)));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null && seen.Count < 1000);
        Assert.Subset(seen.ToHashSet(), expected);

        foreach (var id in ids)
        {
            var found = expected.Contains(id);
            var detail = await Get($"api/commands/{id}", found ? HttpStatusCode.OK : HttpStatusCode.NotFound);
            if (found)
            {
                Assert.NotNull(detail["command"]!["payload"]);
                await Get($"api/commands/{id}/history");
            }
        }

        Assert.Empty(server.Errors);
    }
}
