using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Durex.Dashboard;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.BadInput;

/// <summary>
/// The dashboard API fed thousands of random requests — random paths under the dashboard and beside it, query strings,
/// filters, cursors and ids, methods, bodies and content types, with and without the action header — over a store that
/// holds every kind of command and a few rows written outside Durex. No request may get a 5xx or log a server error, and
/// the store may change only where a request that succeeded asked for it: every command's row and history are compared
/// before and after. The seed is printed; <c>DUREX_FUZZ_SEED</c> replays a run, <c>DUREX_RELIABILITY_LONG=1</c> sends
/// ten times as many requests with a fresh seed. In CI: 5,000 requests on SQLite and 2,000 on PostgreSQL, a fixed seed.
/// </summary>
public sealed class DashboardFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20261202;
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static bool Long => Environment.GetEnvironmentVariable("DUREX_RELIABILITY_LONG") == "1";

    [Fact]
    public Task Sqlite_dashboard_survives_random_requests() => FuzzAsync(new SqliteRawStore(), Long ? 50_000 : 5_000);

    [SkippableFact]
    public Task Postgres_dashboard_survives_random_requests() => FuzzAsync(new PostgresRawStore(), Long ? 20_000 : 2_000);

    private async Task FuzzAsync(RawStore raw, int requests)
    {
        await using var _ = raw;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DUREX_FUZZ_SEED"), CultureInfo.InvariantCulture, out var given)
            ? given
            : Long ? Environment.TickCount : DefaultSeed;
        output.WriteLine($"{raw.Kind}: {requests} requests, seed {seed} (replay with DUREX_FUZZ_SEED={seed})");

        var time = new FakeTimeProvider(Start);
        await using var executor = new Executor(raw.Store, o =>
        {
            o.TimeProvider = time;
            o.UseDeadLetterQueue();
            o.Retention.CleanupInterval = null;
            o.Parallelism = 1; // the seeded commands are then created in the same order every run: a seed replays exactly
        });
        var world = await SeedAsync(executor, raw);
        await using var server = await DashboardServer.StartAsync(executor);
        var before = await StoreSnapshot.TakeAsync(raw.Store);

        var random = new Random(seed);
        var generator = new RequestGenerator(random, world);
        var allowed = new HashSet<Guid>();
        var byStatus = new SortedDictionary<int, int>();
        var changed = 0;
        for (var n = 0; n < requests; n++)
        {
            var request = generator.Next();
            var purgeable = request.Route == Route.Purge ? await DeadLettersAsync(executor) : [];
            using var message = request.ToMessage(server.Root);
            using var response = await server.Client.SendAsync(message);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            var context = $"request {n} (seed {seed}): {request.Method} {message.RequestUri} [{request.Describe()}] -> {status} {Clip(body)}";
            Assert.True(status < 500, context);
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                var json = JsonNode.Parse(body); // well-formed, whatever went in
                if (status >= 400)
                {
                    Assert.True(json?["status"]?.GetValue<int>() == status && json["error"] is not null, context);
                }
            }

            if (status is >= 200 and < 300 && request.Route is not Route.Read)
            {
                changed++;
                foreach (var id in await AffectedAsync(request, body, executor, purgeable))
                {
                    allowed.Add(id);
                }
            }
        }

        Assert.Empty(server.Errors);
        using (var stats = await server.Client.GetAsync("api/stats"))
        {
            Assert.Equal(HttpStatusCode.OK, stats.StatusCode); // still serving
        }

        var after = await StoreSnapshot.TakeAsync(raw.Store);
        var unexpected = StoreSnapshot.Changed(before, after).Where(id => !allowed.Contains(id)).ToArray();
        Assert.True(unexpected.Length == 0, $"seed {seed}: changed without a request asking for it: " +
            string.Join("\n", unexpected.Select(id => $"{id}\n  before {before.GetValueOrDefault(id)}\n  after  {after.GetValueOrDefault(id)}")));
        Assert.Equal(world.Tables, await raw.TablesAsync());

        var summary = string.Join(", ", byStatus.Select(p => $"{p.Key}: {p.Value}"));
        output.WriteLine($"{raw.Kind}: seed {seed}, {requests} requests, 5xx: 0, by status {{{summary}}}, " +
                         $"{changed} successful actions changed {StoreSnapshot.Changed(before, after).Count} of {before.Count} commands");
        // The run must have exercised both sides: refused garbage and accepted actions.
        Assert.True(byStatus.Keys.Any(s => s is >= 400 and < 500) && changed > 0, summary);
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static async Task<IReadOnlyList<Guid>> DeadLettersAsync(Executor executor)
    {
        var ids = new List<Guid>();
        var query = new CommandQuery { Statuses = [CommandStatus.DeadLetter], Limit = CommandQuery.MaxLimit };
        while (true)
        {
            var page = await executor.FindAsync(query);
            ids.AddRange(page.Items.Select(c => c.Id));
            if (page.NextCursor is null)
            {
                return ids;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <summary>What a successful action may have changed: the ids it names in its answer, a tag's commands, the dead letters purged.</summary>
    private static async Task<IEnumerable<Guid>> AffectedAsync(Request request, string body, Executor executor, IReadOnlyList<Guid> purgeable)
    {
        var json = JsonNode.Parse(body)!;
        switch (request.Route)
        {
            case Route.Single:
                return [Guid.Parse((string)json["id"]!)];
            case Route.Bulk:
                return json["results"]!.AsArray().Where(r => (bool)r!["ok"]!).Select(r => Guid.Parse((string)r!["id"]!)).ToArray();
            case Route.CancelByTag:
                var tag = (string)JsonNode.Parse(request.Body!)!["tag"]!;
                var tagged = await executor.FindAsync(new CommandQuery { Tag = tag.Trim(), Limit = CommandQuery.MaxLimit });
                Assert.True((int)json["count"]! <= tagged.Items.Count);
                return tagged.Items.Select(c => c.Id);
            case Route.Purge:
                return (int)json["count"]! > 0 ? purgeable : [];
            default:
                throw new InvalidOperationException($"{request.Route} changes nothing.");
        }
    }

    /// <summary>The commands the fuzz starts from, and the values worth aiming at.</summary>
    private sealed record World(IReadOnlyList<Guid> Ids, IReadOnlyList<string> Tags, IReadOnlyList<string> Correlations, IReadOnlyList<string> Cursors,
        IReadOnlyList<string> Tables);

    private static async Task<World> SeedAsync(Executor executor, RawStore raw)
    {
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        executor.Handle("fail", (ctx, _) => throw new InvalidOperationException(ctx.Data.GetString("error") ?? "gateway timeout"));
        executor.Handle("parent", (ctx, _) => ValueTask.FromResult(CommandResult.Spawn(
            new CommandSpec("ok") { Data = { ["child"] = 1 } },
            new CommandSpec("fail") { Data = { ["error"] = "child failed <b>bold</b>" } })));
        await executor.StartAsync();
        string[] tags = ["tenant:1", "tenant:2", "x'; DROP TABLE commands; --", "100%", "under_score", "ünï"];
        var specs = new List<CommandSpec>();
        for (var i = 0; i < 24; i++)
        {
            specs.Add(new CommandSpec(i % 3 == 0 ? "fail" : "ok")
            {
                Data = { ["i"] = i, ["error"] = i % 2 == 0 ? "<script>alert(1)</script>" : "timeout 'quoted' \"double\"" },
                Tags = { tags[i % tags.Length] },
                CorrelationId = $"order-{i % 5}",
            });
        }

        for (var i = 0; i < 3; i++)
        {
            specs.Add(new CommandSpec("parent") { CorrelationId = $"workflow-{i}" });
        }

        await executor.AddManyAsync(specs);
        await executor.WaitForIdleAsync().WaitAsync(DashboardServer.HangGuard);
        // Active commands that stay put: the executor stops before the fuzz, and these are delayed anyway.
        for (var i = 0; i < 12; i++)
        {
            await executor.AddAsync(new CommandSpec(i % 2 == 0 ? "ok" : "nobody")
            {
                Delay = TimeSpan.FromHours(1 + i),
                Tags = { tags[i % tags.Length], "pending" },
                UniqueKey = i % 3 == 0 ? $"key-{i}" : null,
                CorrelationId = $"order-{i % 5}",
            });
        }

        await executor.StopAsync();

        // Rows written outside Durex, which every listing and detail must survive.
        var victims = (await executor.FindAsync(new CommandQuery { Limit = 6, Order = CommandOrder.OldestFirst })).Items.Select(c => raw.IdLiteral(c.Id)).ToArray();
        if (raw is SqliteRawStore)
        {
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET tags = '[broken' WHERE id = {victims[0]}");
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET status = 42 WHERE id = {victims[1]}");
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET payload = x'fffe00' WHERE id = {victims[2]}");
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET created_at = -5 WHERE id = {victims[3]}");
            await raw.ExecuteAsync($"INSERT INTO {raw.Commands} (id, name, status, created_at, ready_at, tags) VALUES (x'0102', 'ok', 8, 1, 0, '[\"tenant:1\"]')");
        }
        else
        {
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET tags = ARRAY['tenant:1', NULL] WHERE id = {victims[0]}");
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET payload = '\\xfffe00'::bytea WHERE id = {victims[2]}");
            await raw.ExecuteAsync($"UPDATE {raw.Commands} SET created_at = '20000-01-01' WHERE id = {victims[3]}");
        }

        var all = await StoreSnapshot.TakeAsync(raw.Store);
        var cursors = new List<string>();
        var page = await executor.FindAsync(new CommandQuery { Limit = 3 });
        while (page.NextCursor is { } cursor && cursors.Count < 10)
        {
            cursors.Add(cursor);
            page = await executor.FindAsync(new CommandQuery { Limit = 3, Cursor = cursor });
        }

        return new World(all.Keys.ToArray(), tags, Enumerable.Range(0, 5).Select(i => $"order-{i}").Append("workflow-1").ToArray(), cursors,
            await raw.TablesAsync());
    }

    private enum Route
    {
        Read,
        Single,
        Bulk,
        CancelByTag,
        Purge,
    }

    /// <summary>One random request. <see cref="Route"/> is what it would be if the server took it as the route it looks like.</summary>
    private sealed record Request(string Method, string Path, string Query, Route Route, string? Body, string? ContentType, byte[]? RawBody,
        IReadOnlyList<(string Name, string Value)> Headers)
    {
        public HttpRequestMessage ToMessage(Uri root)
        {
            var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(root, Path + (Query.Length > 0 ? "?" + Query : "")));
            if (Body is not null || RawBody is not null)
            {
                message.Content = new ByteArrayContent(RawBody ?? Encoding.UTF8.GetBytes(Body!));
                if (ContentType is not null && MediaTypeHeaderValue.TryParse(ContentType, out var type))
                {
                    message.Content.Headers.ContentType = type;
                }
            }

            foreach (var (name, value) in Headers)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }

            return message;
        }

        public string Describe() =>
            $"body {(RawBody is not null ? $"{RawBody.Length} raw bytes" : Body is null ? "none" : Clip(Body))} as {ContentType ?? "no type"}; " +
            string.Join(", ", Headers.Select(h => $"{h.Name}: {Clip(h.Value)}"));
    }

    private sealed class RequestGenerator(Random random, World world)
    {
        private static readonly string[] Injections =
        [
            "'", "''", "\"", "`", "\\", "\\'", "%", "_", "%_%", "'; DROP TABLE commands; --", "\" OR \"1\"=\"1", "' OR '1'='1",
            "1; SELECT pg_sleep(5)", "$1", "?1", "@tag", ":name", "/*", "*/", "--", ";", "NULL", "null", "undefined", "NaN", "-1", "0",
            "99999999999999999999", "1e309", "<script>alert(1)</script>", "../../etc/passwd", "..%2f..%2f", "%00", "\0", "\u202e", "🙂",
            "日本語", "ü", "\r\n", "\t", " ", "", "[]", "{}", "{\"a\":1}", "json_each", "CASE WHEN 1 THEN 1 END",
        ];

        private static readonly string[] Statuses = ["PENDING", "failed", "DeadLetter", "dead_letter", "COMPLETED,FAILED", "bogus", "", ",", "WAITING,,STARTED"];

        private static readonly string[] QueryKeys =
            ["status", "name", "tag", "correlationId", "parentId", "search", "createdFrom", "createdBefore", "order", "limit", "cursor"];

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        private bool Chance(double p) => random.NextDouble() < p;

        private string Id() => random.Next(10) switch
        {
            < 5 => Pick(world.Ids).ToString(),
            5 => Guid.NewGuid().ToString(),
            6 => Pick(world.Ids).ToString("N").ToUpperInvariant(),
            7 => "{" + Pick(world.Ids) + "}",
            _ => Text(),
        };

        private string Text() => random.Next(12) switch
        {
            < 4 => Pick(Injections),
            4 => new string((char)random.Next(32, 127), random.Next(0, 2000)),
            5 => Pick(world.Tags),
            6 => Pick(world.Correlations),
            7 => string.Concat(Enumerable.Range(0, random.Next(1, 40)).Select(_ => (char)random.Next(0, 0xD7FF))),
            8 => Pick(Injections) + Pick(world.Tags) + Pick(Injections),
            9 => random.Next(-1000, 100000).ToString(CultureInfo.InvariantCulture),
            10 => Convert.ToBase64String(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (byte)random.Next(256)).ToArray()),
            _ => world.Cursors.Count > 0 ? Pick(world.Cursors) : "",
        };

        private string QueryValue(string key) => key.ToLowerInvariant() switch
        {
            "status" when Chance(0.6) => Pick(Statuses),
            "limit" when Chance(0.6) => Pick(["1", "50", "1000", "0", "1001", "-1", "2147483648", "1.5", "ten", " 5"]),
            "order" when Chance(0.6) => Pick(["newest", "oldest", "OLDEST", "sideways", ""]),
            "cursor" when Chance(0.6) && world.Cursors.Count > 0 => Chance(0.8) ? Pick(world.Cursors) : Pick(world.Cursors)[..^1] + "A",
            "createdfrom" or "createdbefore" when Chance(0.6) =>
                Pick(["2026-03-02T09:00:00Z", "0001-01-01", "9999-12-31T23:59:59.9999999Z", "2026-13-45", "yesterday", "+275760-09-13", "1/2/3"]),
            "parentid" when Chance(0.5) => Id(),
            _ => Text(),
        };

        private string Query()
        {
            var parts = new List<string>();
            for (var i = random.Next(0, 5); i > 0; i--)
            {
                var key = random.Next(10) switch
                {
                    < 7 => Pick(QueryKeys),
                    7 => Pick(QueryKeys).ToUpperInvariant(),
                    8 => Text(),
                    _ => "",
                };
                parts.Add(Chance(0.05) ? Uri.EscapeDataString(key) : $"{Uri.EscapeDataString(key)}={Uri.EscapeDataString(QueryValue(key))}");
            }

            return string.Join("&", parts);
        }

        private string Segment() => Uri.EscapeDataString(Text()) is { Length: > 0 } s ? s : "x";

        private (string Path, Route Route) Path()
        {
            var action = Pick(["retry", "cancel", "replay", "Retry", "delete", Segment()]);
            return random.Next(20) switch
            {
                0 => ("durex", Route.Read),
                1 => ("durex/" + Pick(["app.js", "app.css", "index.html", "favicon.ico", "api", "api/"]), Route.Read),
                2 => ("durex/api/" + Pick(["config", "stats", "health", "dead-letters", "commands"]), Route.Read),
                3 or 4 or 5 => ("durex/api/commands", Route.Read),
                6 => ($"durex/api/commands/{Uri.EscapeDataString(Id())}", Route.Read),
                7 => ($"durex/api/commands/{Uri.EscapeDataString(Id())}/history", Route.Read),
                8 => ($"durex/api/workflows/{Uri.EscapeDataString(Chance(0.6) ? Pick(world.Correlations) : Text())}", Route.Read),
                9 => ("durex/api/dead-letters", Route.Read),
                10 or 11 or 12 => ($"durex/api/commands/{Uri.EscapeDataString(Id())}/{action}", Route.Single),
                13 or 14 => ($"durex/api/commands/{action}", Route.Bulk),
                15 => ("durex/api/commands/cancel-by-tag", Route.CancelByTag),
                16 => ("durex/api/dead-letters/purge", Route.Purge),
                17 => ($"durex/{Segment()}/{Segment()}", Route.Read),
                18 => (Pick(["", "durexx", "durex/api/commands/" + Segment() + "/history/" + Segment(), "durex/%2e%2e/%2e%2e/etc/passwd", "durex/api/commands/%2F"]), Route.Read),
                _ => ("durex/api/" + Segment(), Route.Read),
            };
        }

        private string Body(Route route) => random.Next(8) switch
        {
            < 4 => route switch
            {
                Route.Bulk => new JsonObject
                {
                    ["ids"] = new JsonArray(Enumerable.Range(0, random.Next(0, 6)).Select(_ => (JsonNode)Id()).ToArray()),
                    ["reason"] = Chance(0.5) ? Text() : null,
                }.ToJsonString(),
                Route.CancelByTag => new JsonObject { ["tag"] = Chance(0.5) ? Pick(world.Tags) : Text() }.ToJsonString(),
                Route.Purge => new JsonObject { ["olderThanSeconds"] = Chance(0.7) ? random.Next(0, 100_000) * 3600.0 : Pick([-1.0, 1e300, 0.5]) }.ToJsonString(),
                _ => new JsonObject { ["reason"] = Text() }.ToJsonString(),
            },
            4 => Pick(["null", "[]", "\"text\"", "42", "{", "{\"ids\": \"not an array\"}", "{\"ids\": [1, 2]}", "{\"tag\": 5}", "{\"olderThanSeconds\": \"soon\"}", "{\"reason\": {}}"]),
            5 => new string('[', random.Next(1, 3000)) + new string(']', random.Next(0, 3000)),
            6 => "{\"ids\": [" + string.Join(",", Enumerable.Range(0, random.Next(900, 1100)).Select(_ => "\"" + Guid.NewGuid() + "\"")) + "]}",
            _ => "{\"reason\": \"" + new string('r', random.Next(400, 300_000)) + "\"}",
        };

        public Request Next()
        {
            var (path, route) = Path();
            // Mostly the method the route takes, so most requests get past routing to the dashboard's own checks.
            var method = random.Next(10) switch
            {
                < 7 => route == Route.Read ? "GET" : "POST",
                7 => route == Route.Read ? "POST" : "GET",
                8 => Pick(["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
                _ => Pick(["TRACE", "FOO", "PROPFIND", "get"]),
            };
            var effective = method == "POST" ? route : Route.Read;
            string? body = null;
            byte[]? rawBody = null;
            string? contentType = null;
            if (method != "GET" || Chance(0.1))
            {
                switch (random.Next(10))
                {
                    case < 6:
                        body = Body(route);
                        break;
                    case 6:
                        rawBody = Enumerable.Range(0, random.Next(1, 4096)).Select(_ => (byte)random.Next(256)).ToArray();
                        break;
                    case 7:
                        body = "reason=" + Uri.EscapeDataString(Text()) + "&tag=" + Uri.EscapeDataString(Text());
                        break;
                }

                contentType = Pick<string?>(["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain",
                    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null, "application/jsonp"]);
            }

            var headers = new List<(string, string)>();
            if (Chance(method == "POST" ? 0.75 : 0.2))
            {
                headers.Add((DurexDashboardOptions.ActionHeader, Pick(["1", "true", "0", "yes", "x"])));
            }

            if (Chance(0.15))
            {
                headers.Add(("Origin", Pick(["https://evil.example", "null", "http://127.0.0.1"])));
            }

            if (Chance(0.15))
            {
                headers.Add(("Sec-Fetch-Site", Pick(["cross-site", "same-origin", "same-site", "none"])));
            }

            return new Request(method, path, Query(), effective, body, contentType, rawBody, headers);
        }
    }
}
