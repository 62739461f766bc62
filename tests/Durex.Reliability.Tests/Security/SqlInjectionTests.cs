using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Durex.Reliability.Tests.BadInput;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Reliability.Tests.Security;

/// <summary>
/// Every text a caller gives the SQL stores — query filters (name, tag, correlation id, search, cursor), tags, unique keys
/// and correlation ids at enqueue, the tag of a cancel — travels as a parameter, never as SQL: strings made to break out
/// of a literal, LIKE wildcards, backslashes, NUL, very long and non-ASCII text come back as data. Results are compared
/// with <see cref="MemoryStore"/> (plain C# comparisons) fed the same commands, and the tables must be intact afterwards.
/// </summary>
public sealed class SqlInjectionTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Each is a tag, a unique key, a correlation id and payload text of one command, and a filter value.</summary>
    public static readonly string[] Injections =
    [
        "'", "''", "\"", "`", "\\", "\\'", "\\\\", "\\%", "%", "_", "%_", "a%", "_a", "%%", "[a-z]", "*", "?", "?1", "$1", ":tag", "@tag",
        "'; DROP TABLE durex_commands; --", "'; DROP TABLE commands; --", "\"; DROP SCHEMA public CASCADE; --", "' OR '1'='1", "') OR ('1'='1",
        "1) OR 1=1 --", "x' UNION SELECT * FROM durex_history --", "/* comment", "-- comment", ";", "NULL", "null", "[\"json\"]", "{\"a\":1}",
        "json_each(tags)", "tenant:*", "ü", "日本語", "🙂", "\u202e\u202d", "e\u0301", "line\nbreak", "tab\there", "\u0001\u001f",
        new string('\'', 200) + new string('%', 200), LongText(),
    ];

    /// <summary>Values that are not stored but must still be harmless as filters.</summary>
    private static readonly string[] FilterOnly = [" ", "  '  ", new string('x', 10_000), new string('\'', 10_000), "%a%", "a_", "A%", "' OR tags IS NOT NULL --"];

    /// <summary>Commands whose values an interpreted wildcard or a broken quote would match by mistake.</summary>
    private static readonly string[] Distractors = ["a", "ab", "abc", "%abc", "x_y", "xzy", "A", "\\x", "tenant:1", "1", "OR", "DROP"];

    /// <summary>1024 bytes (the most a key may have) of quotes, wildcards and backslashes.</summary>
    private static string LongText()
    {
        var random = new Random(7);
        const string alphabet = "'\"%_\\;-/* aZ09";
        return new string(Enumerable.Range(0, CommandSpec.MaxKeyBytes).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    private static CommandData Payload(int label, string text) =>
        // Relaxed escaping keeps quotes, '<' and non-ASCII as they are, so the search meets the raw characters.
        CommandData.FromJson(new JsonObject { ["label"] = label, ["text"] = text }.ToJsonString(
            new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

    private static List<CommandSpec> Specs()
    {
        var specs = new List<CommandSpec>();
        var values = Injections.Concat(Distractors).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            specs.Add(new CommandSpec("job")
            {
                Data = Payload(i, values[i]),
                Tags = { values[i], "common" },
                UniqueKey = values[i],
                CorrelationId = values[i],
                Delay = TimeSpan.FromHours(1),
            });
        }

        // Padding past PostgresStoreOptions.CopyThreshold (64), so the batch goes through binary COPY there.
        for (var i = 0; i < 70; i++)
        {
            specs.Add(new CommandSpec("pad") { Data = Payload(1000 + i, "pad"), Tags = { "pad" }, Delay = TimeSpan.FromHours(1) });
        }

        return specs;
    }

    private static async Task<List<int>> LabelsAsync(Executor executor, CommandQuery query)
    {
        var labels = new List<int>();
        while (true)
        {
            var page = await executor.FindAsync(query);
            labels.AddRange(page.Items.Select(c => c.Data.GetInt32("label")));
            if (page.NextCursor is null)
            {
                return labels;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Injection_strings_are_data_in_every_filter_and_key(string kind)
    {
        await using var raw = RawStore.Create(kind);
        var time = new FakeTimeProvider(Start);
        await using var executor = new Executor(raw.Store, o => o.TimeProvider = time);
        await using var oracle = new Executor(new MemoryStore(), o => o.TimeProvider = time);
        await raw.Store.InitializeAsync();
        var canary = raw is PostgresRawStore pg ? $"\"{pg.Schema}\".canary" : "canary";
        await raw.ExecuteAsync($"CREATE TABLE {canary} (x integer); INSERT INTO {canary} VALUES (42)");
        var tables = await raw.TablesAsync();

        var added = await executor.AddManyAsync(Specs());
        await oracle.AddManyAsync(Specs());
        var values = Injections.Concat(Distractors).ToArray();
        var ids = added.Take(values.Length).Select(c => c.Id).ToArray();

        async Task Same(CommandQuery query, int[]? expected = null)
        {
            var actual = await LabelsAsync(executor, query);
            Assert.Equal(await LabelsAsync(oracle, query), actual);
            if (expected is not null)
            {
                Assert.Equal(expected, actual);
            }
        }

        for (var i = 0; i < values.Length; i++)
        {
            var s = values[i];
            await Same(new CommandQuery { Tag = s }, [i]);
            await Same(new CommandQuery { CorrelationId = s }, [i]);
            await Same(new CommandQuery { Name = s }, []);
            await Same(new CommandQuery { Search = s, Limit = 7 });
            // The payload holds s JSON-escaped: control characters become \uXXXX, so only some texts are found in it verbatim.
            var found = Payload(i, s).ToString().Contains(s.Trim(), StringComparison.OrdinalIgnoreCase);
            await Same(new CommandQuery { Search = s, Tag = s, CorrelationId = s, Name = "job", Statuses = [CommandStatus.Pending], Order = CommandOrder.OldestFirst },
                found ? [i] : []);
            Assert.Equal([ids[i]], (await executor.FindByCorrelationIdAsync(s)).Select(c => c.Id));

            // The unique key is held, by exactly this command: no wildcard or quote made another key equal.
            var duplicate = await Assert.ThrowsAsync<DuplicateCommandException>(async () => await executor.AddAsync(new CommandSpec("job") { UniqueKey = s }));
            Assert.Equal(ids[i], duplicate.ExistingId);
            await Assert.ThrowsAsync<ArgumentException>(async () => await executor.FindAsync(new CommandQuery { Cursor = s }));
        }

        foreach (var s in FilterOnly)
        {
            await Same(new CommandQuery { Tag = s });
            await Same(new CommandQuery { CorrelationId = s });
            await Same(new CommandQuery { Name = s });
            await Same(new CommandQuery { Search = s, Limit = 50 });
            if (!string.IsNullOrWhiteSpace(s))
            {
                Assert.Equal(0, await executor.CancelByTagAsync(s));
            }
        }

        await Same(new CommandQuery { Tag = "common", Limit = 7 }, Enumerable.Range(0, values.Length).Reverse().ToArray());
        await Same(new CommandQuery { Tag = "common", Limit = 5, Order = CommandOrder.OldestFirst }, Enumerable.Range(0, values.Length).ToArray());

        // NUL cannot be stored (PostgreSQL's text refuses it): refused with the same message on every store.
        foreach (var client in new[] { executor, oracle })
        {
            Assert.Contains("NUL", (await Assert.ThrowsAsync<ArgumentException>(async () => await client.AddAsync(new CommandSpec("job") { Tags = { "a\0b" } }))).Message);
            Assert.Contains("NUL", (await Assert.ThrowsAsync<ArgumentException>(async () => await client.AddAsync(new CommandSpec("job") { UniqueKey = "\0" }))).Message);
            Assert.Contains("NUL", (await Assert.ThrowsAsync<ArgumentException>(async () => await client.FindAsync(new CommandQuery { Search = "%\0" }))).Message);
            Assert.Contains("NUL", (await Assert.ThrowsAsync<ArgumentException>(async () => await client.FindAsync(new CommandQuery { Tag = "'\0'" }))).Message);
            Assert.Contains("NUL", (await Assert.ThrowsAsync<ArgumentException>(async () => await client.CancelByTagAsync("\0; DROP TABLE x"))).Message);
            Assert.Contains("NUL", (await Assert.ThrowsAsync<ArgumentException>(async () => await client.CancelAsync(ids[0], "reason\0"))).Message);
        }

        // Cancelling by each tag cancels exactly its command.
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(1, await executor.CancelByTagAsync(values[i]));
            Assert.Equal(CommandStatus.Cancelled, (await executor.GetAsync(ids[i]))!.Status);
            Assert.Equal(values.Length - i - 1, (await executor.FindAsync(new CommandQuery { Tag = "common", Statuses = [CommandStatus.Pending], Limit = 1000 })).Items.Count);
        }

        Assert.Equal(70, (await executor.FindAsync(new CommandQuery { Name = "pad", Statuses = [CommandStatus.Pending], Limit = 1000 })).Items.Count);
        Assert.Equal(tables, await raw.TablesAsync());
        Assert.Equal(42L, Convert.ToInt64(await raw.ScalarAsync($"SELECT x FROM {canary}")));
        Assert.Equal(values.Length + 70, await raw.CountAsync());
    }
}
