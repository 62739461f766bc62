using System.Text.Json.Serialization;
using Durex.Generation;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Reliability.Tests.BadInput;

public sealed record Invoice(string Number, decimal Amount);

[JsonSerializable(typeof(Invoice))]
public sealed partial class ReliabilityJson : JsonSerializerContext;

/// <summary>
/// A payload that does not match the handler's type fails that command at once with a message naming the type and the
/// JSON error — however many retries it has — and the executor goes on with the others: no retry storm.
/// </summary>
public sealed class PayloadMismatchTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, bool> Cases => new()
    {
        { "memory", false },
        { "sqlite", true },
        { "postgres", false },
    };

    /// <summary>How a typed handler is registered: by <c>HandleTyped</c>, or as the generator's output does it.</summary>
    private static void Register(Executor executor, string name, bool generated, Action<Invoice> seen)
    {
        if (generated)
        {
            // The generator's emitted handler body: GeneratedCode.Payload(context, typeInfo) (Emitter.PayloadOf).
            executor.Handle(name, (context, _) =>
            {
                seen(GeneratedCode.Payload(context, ReliabilityJson.Default.Invoice));
                return ValueTask.FromResult(CommandResult.Empty);
            }, c => c.Retries(5));
        }
        else
        {
            executor.HandleTyped(name, ReliabilityJson.Default.Invoice, (invoice, _, _) =>
            {
                seen(invoice);
                return ValueTask.FromResult(CommandResult.Empty);
            }, c => c.Retries(5));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task A_payload_of_the_wrong_shape_fails_its_command_once_and_the_others_run(string kind, bool deadLetters)
    {
        await using var raw = kind == "memory" ? null : RawStore.Create(kind);
        var store = raw?.Store ?? new MemoryStore();
        await using var executor = new Executor(store, o =>
        {
            o.TimeProvider = new FakeTimeProvider(Start);
            o.DeadLetterQueue = deadLetters;
        });
        var invoices = new List<Invoice>();
        Register(executor, "typed", generated: false, i => { lock (invoices) invoices.Add(i); });
        Register(executor, "generated", generated: true, i => { lock (invoices) invoices.Add(i); });
        await executor.StartAsync();

        var good = new List<Guid>();
        var bad = new Dictionary<Guid, string>();
        foreach (var name in new[] { "typed", "generated" })
        {
            good.Add((await executor.AddAsync(CommandSpec.Create(name, new Invoice("A-1", 12.5m), ReliabilityJson.Default.Invoice))).Id);
            bad[(await executor.AddAsync(new CommandSpec(name) { Data = CommandData.FromJson("""{"Number": 42, "Amount": "lots"}""") })).Id] = "number";
            bad[(await executor.AddAsync(new CommandSpec(name) { Data = CommandData.FromJson("""["an", "array"]""") })).Id] = "array";
            bad[(await executor.AddAsync(new CommandSpec(name) { Data = CommandData.FromJson("\"a string\"") })).Id] = "string";
            good.Add((await executor.AddAsync(CommandSpec.Create(name, new Invoice("A-2", 1m), ReliabilityJson.Default.Invoice))).Id);
        }

        var generatedNull = (await executor.AddAsync(new CommandSpec("generated") { Data = CommandData.FromJson("null") })).Id;
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);

        Assert.Equal(4, invoices.Count);
        foreach (var id in good)
        {
            Assert.Equal(CommandStatus.Completed, (await executor.GetAsync(id))!.Status);
        }

        var final = deadLetters ? CommandStatus.DeadLetter : CommandStatus.Failed;
        foreach (var id in bad.Keys.Append(generatedNull))
        {
            var command = (await executor.GetAsync(id))!;
            Assert.Equal(final, command.Status);
            Assert.Equal(1, command.Attempt); // 5 retries were allowed: none was used
            var history = await executor.GetHistoryAsync(id);
            Assert.DoesNotContain(history, e => e.Type == HistoryEventType.Retrying);
            Assert.Single(history, e => e.Type == HistoryEventType.Started);
            Assert.Contains("Invoice", command.Error);
        }

        foreach (var (id, _) in bad)
        {
            var error = (await executor.GetAsync(id))!.Error!;
            Assert.Contains("cannot be read as Invoice", error);
            Assert.Contains("JSON value could not be converted", error); // the serializer's own message, with the path
        }

        Assert.Contains("JSON null", (await executor.GetAsync(generatedNull))!.Error);
    }
}

/// <summary>Commands nobody handles never crash anything: they wait, visibly, for an executor that has the handler.</summary>
public sealed class UnknownNameTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Commands_without_a_handler_wait_and_are_reported_while_the_others_run(string kind)
    {
        await using var raw = RawStore.Create(kind);
        var time = new FakeTimeProvider(Start);
        await using var executor = new Executor(raw.Store, o => o.TimeProvider = time);
        var runs = 0;
        executor.Handle("known", (_, _) =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult(CommandResult.Empty);
        });
        await executor.StartAsync();
        var unknown = await executor.AddAsync(new CommandSpec("nobody.handles.this"));
        for (var i = 0; i < 20; i++)
        {
            await executor.AddAsync(new CommandSpec("known"));
        }

        // A row whose name no executor could ever register (names are validated at registration), written directly.
        var invalid = await executor.AddAsync(new CommandSpec("placeholder"));
        await raw.ExecuteAsync($"UPDATE {raw.Commands} SET name = 'not a valid name; DROP TABLE x' WHERE id = {raw.IdLiteral(invalid.Id)}");
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);

        Assert.Equal(20, runs);
        foreach (var id in new[] { unknown.Id, invalid.Id })
        {
            var waiting = (await executor.GetAsync(id))!;
            Assert.Equal(CommandStatus.Pending, waiting.Status);
            Assert.Equal(0, waiting.Attempt);
            Assert.Null(waiting.ReadError);
        }

        // Reported: counted in the queue, and the health check degrades once they wait longer than allowed.
        time.Advance(TimeSpan.FromMinutes(10));
        var statistics = await executor.GetStatisticsAsync();
        Assert.Equal(2, statistics.QueueDepth);
        Assert.Equal(20, statistics.Counts[CommandStatus.Completed]);
        var health = await executor.CheckHealthAsync(maxQueueAge: TimeSpan.FromMinutes(5));
        Assert.Equal(DurexHealthStatus.Degraded, health.Status);

        // And the executor keeps working.
        var later = await executor.AddAsync(new CommandSpec("known"));
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);
        Assert.Equal(CommandStatus.Completed, (await executor.GetAsync(later.Id))!.Status);
    }
}

/// <summary>A stored payload that is not JSON (written outside Durex) ends its command at the first failed read of it.</summary>
public sealed class UnparsablePayloadTests
{
    [Fact]
    public async Task A_payload_that_is_not_json_fails_at_once_when_reading_it_fails_and_is_retried_otherwise()
    {
        await using var raw = new SqliteRawStore();
        await using var executor = new Executor(raw.Store, o => o.TimeProvider = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)));
        var attempts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        executor.Handle("reads", (ctx, _) =>
        {
            attempts.AddOrUpdate(ctx.Name, 1, (_, n) => n + 1);
            ctx.Data.GetString("to");
            return ValueTask.FromResult(CommandResult.Empty);
        }, c => c.Retries(4));
        executor.Handle("ignores", (ctx, _) =>
        {
            attempts.AddOrUpdate(ctx.Name, 1, (_, n) => n + 1);
            throw new InvalidOperationException("network down");
        }, c => c.Retries(2));
        var reads = await executor.AddAsync(new CommandSpec("reads") { Data = { ["to"] = "a@b.c" } });
        var ignores = await executor.AddAsync(new CommandSpec("ignores"));
        foreach (var id in new[] { reads.Id, ignores.Id })
        {
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET payload = CAST('{{\"to\": ' AS BLOB) WHERE id = {raw.IdLiteral(id)}");
        }

        await executor.StartAsync();
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);

        var failed = (await executor.GetAsync(reads.Id))!;
        Assert.Equal(CommandStatus.Failed, failed.Status);
        Assert.Equal(1, attempts["reads"]);
        Assert.StartsWith("The stored payload cannot be used, so the command is not retried. The payload is not valid JSON", failed.Error);

        // A failure that has nothing to do with the payload keeps its retries.
        var retried = (await executor.GetAsync(ignores.Id))!;
        Assert.Equal(CommandStatus.Failed, retried.Status);
        Assert.Equal(3, attempts["ignores"]);
        Assert.Equal("network down", retried.Error);
    }
}
