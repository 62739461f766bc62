using System.Net;
using System.Text.Json.Nodes;
using Durex.Dashboard;

namespace Durex.Dashboard.Tests;

public sealed class SqliteDashboardApiTests : DashboardApiTests
{
    protected override ITestStore CreateStore() => new SqliteTestStore();
}

public sealed class PostgresDashboardApiTests : DashboardApiTests
{
    protected override ITestStore CreateStore() => new PostgresTestStore();
}

/// <summary>The JSON API against a real Kestrel on loopback; every test runs once per store.</summary>
public abstract class DashboardApiTests
{
    protected abstract ITestStore CreateStore();

    private Task<DashboardHost> StartAsync(string prefix = "/durex", Action<DurexDashboardOptions>? configure = null, bool startExecutor = true) =>
        DashboardHost.StartAsync(CreateStore, prefix, configure, startExecutor);

    [SkippableFact]
    public async Task Stats_report_counts_queue_limits_and_security_headers()
    {
        await using var host = await StartAsync();
        await host.Executor.AddAsync(new CommandSpec("ok"));
        await host.Executor.AddAsync(new CommandSpec("ok"));
        await host.Executor.AddAsync(new CommandSpec("fail"));
        await host.Executor.AddAsync(new CommandSpec("ok") { Delay = TimeSpan.FromHours(1) });
        await host.RunUntilIdleAsync();

        using var response = await host.Client.GetAsync("api/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        AssertSecurityHeaders(response);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());

        var stats = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2, (long)stats["counts"]!["COMPLETED"]!);
        Assert.Equal(1, (long)stats["counts"]!["DEAD_LETTER"]!);
        Assert.Equal(1, (long)stats["counts"]!["PENDING"]!);
        Assert.Equal(0, (long)stats["counts"]!["FAILED"]!);
        Assert.Equal(9, stats["counts"]!.AsObject().Count);
        Assert.Equal(4, (long)stats["total"]!);
        Assert.Equal(0, (long)stats["queueDepth"]!);
        Assert.Null(stats["oldestReadyAgeSeconds"]);
        Assert.True((bool)stats["isRunning"]!);
        Assert.Equal(2, (int)stats["workers"]!);
        Assert.Equal(5, (int)stats["limits"]!["ok"]!["limit"]!);
        Assert.Equal(2, (int)stats["globalLimit"]!["limit"]!);
    }

    [SkippableFact]
    public async Task Stats_report_throughput_from_count_samples()
    {
        await using var host = await StartAsync();
        var first = await host.GetJsonAsync("api/stats");
        Assert.Null(first["throughput"]!["completedPerMinute"]); // one sample: no interval yet
        Assert.Equal(10, (double)first["throughput"]!["sampleIntervalSeconds"]!);

        for (var i = 0; i < 3; i++)
        {
            await host.Executor.AddAsync(new CommandSpec("ok"));
        }

        await host.Executor.AddAsync(new CommandSpec("fail"));
        await host.RunUntilIdleAsync();
        host.Time.Advance(TimeSpan.FromSeconds(10));

        var stats = await host.GetJsonAsync("api/stats");
        var throughput = stats["throughput"]!;
        var point = throughput["points"]!.AsArray().Single()!;
        Assert.Equal(3, (long)point["completed"]!);
        Assert.Equal(1, (long)point["failed"]!);
        Assert.Equal(10, (double)point["seconds"]!);
        Assert.Equal(18, (double)throughput["completedPerMinute"]!); // 3 in 10 s
        Assert.Equal(6, (double)throughput["failedPerMinute"]!);
    }

    [SkippableFact]
    public async Task Commands_list_filters_by_status_name_tag_correlation_and_text()
    {
        await using var host = await StartAsync();
        var a = await host.Executor.AddAsync(new CommandSpec("ok") { Tags = { "tenant:1" }, CorrelationId = "order-1", Data = { ["email"] = "Ann@Example.com" } });
        var b = await host.Executor.AddAsync(new CommandSpec("ok") { Tags = { "tenant:2" }, CorrelationId = "order-2" });
        var c = await host.Executor.AddAsync(new CommandSpec("fail") { Tags = { "tenant:1" }, Data = { ["error"] = "SMTP refused the sender" } });
        var d = await host.Executor.AddAsync(new CommandSpec("ok") { Delay = TimeSpan.FromHours(1) });
        await host.RunUntilIdleAsync();

        Assert.Equal([d.Id.ToString(), c.Id.ToString(), b.Id.ToString(), a.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands")));
        Assert.Equal([a.Id.ToString(), b.Id.ToString(), c.Id.ToString(), d.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?order=oldest")));
        Assert.Equal([c.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?status=dead_letter")));
        Assert.Equal([d.Id.ToString(), c.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?status=PENDING,DEAD_LETTER")));
        Assert.Equal([d.Id.ToString(), c.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?status=PENDING&status=DeadLetter")));
        Assert.Equal([c.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?name=fail")));
        Assert.Equal([c.Id.ToString(), a.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?tag=tenant:1")));
        Assert.Equal([b.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?correlationId=order-2")));
        Assert.Equal([a.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?search=ann%40example")));    // payload, any case
        Assert.Equal([c.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?search=smtp%20REFUSED")));    // error
        Assert.Equal([c.Id.ToString()], DashboardHost.Ids(await host.GetJsonAsync("api/commands?tag=tenant:1&status=DEAD_LETTER")));
        Assert.Empty(DashboardHost.Ids(await host.GetJsonAsync("api/commands?createdFrom=2030-01-01T00:00:00Z")));
        Assert.Equal(4, DashboardHost.Ids(await host.GetJsonAsync("api/commands?createdBefore=2030-01-01T00:00:00Z")).Count);

        var item = (await host.GetJsonAsync("api/commands?name=fail"))["items"]![0]!;
        Assert.Equal("DEAD_LETTER", (string)item["status"]!);
        Assert.Equal("SMTP refused the sender", (string)item["error"]!);
        Assert.Null(item["payload"]); // lists leave payloads out
    }


    [SkippableFact]
    public async Task Text_search_examines_a_bounded_window_per_page_and_says_so()
    {
        await using var host = await StartAsync(configure: o => o.SearchWindow = 100, startExecutor: false);
        // 250 commands, oldest first: the needle only in the 5th and the 240th.
        var added = new List<CommandInstance>();
        for (var i = 0; i < 250; i++)
        {
            added.Add(await host.Executor.AddAsync(new CommandSpec("ok") { Data = { ["note"] = i is 4 or 239 ? "a Needle" : "hay" } }));
            host.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var pages = new List<(IReadOnlyList<string> Ids, bool WindowEnded)>();
        var url = "api/commands?search=needle&order=oldest&limit=10";
        while (true)
        {
            var page = await host.GetJsonAsync(url);
            pages.Add((DashboardHost.Ids(page), (bool)page["searchWindowEnded"]!));
            if (page["nextCursor"] is not { } next || pages.Count > 5)
            {
                break;
            }

            url = "api/commands?search=needle&order=oldest&limit=10&cursor=" + (string)next!;
        }

        // Windows of 100: [0, 99] finds the 5th and ends, [100, 199] finds nothing and ends, the rest finds the 240th.
        Assert.Equal(3, pages.Count);
        Assert.Equal([added[4].Id.ToString()], pages[0].Ids);
        Assert.True(pages[0].WindowEnded);
        Assert.Empty(pages[1].Ids);
        Assert.True(pages[1].WindowEnded);
        Assert.Equal([added[239].Id.ToString()], pages[2].Ids);
        Assert.False(pages[2].WindowEnded);
        // Without search text there is no window.
        Assert.False((bool)(await host.GetJsonAsync("api/commands?limit=10"))["searchWindowEnded"]!);
    }
    [SkippableFact]
    public async Task Commands_list_pages_with_keyset_cursors()
    {
        await using var host = await StartAsync();
        var added = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            added.Add((await host.Executor.AddAsync(new CommandSpec("ok") { Delay = TimeSpan.FromHours(1) })).Id.ToString());
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await host.GetJsonAsync("api/commands?order=oldest&limit=3" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(DashboardHost.Ids(page));
            cursor = (string?)page["nextCursor"];
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(added, seen);
        Assert.InRange(pages, 3, 4); // 3 + 3 + 1 (a store may end with an empty page)
    }

    [SkippableFact]
    public async Task Command_detail_has_payload_and_history_and_escapes_markup()
    {
        await using var host = await StartAsync();
        var xss = "<script>alert('x')</script>";
        var command = await host.Executor.AddAsync(new CommandSpec("fail")
        {
            Data = { ["error"] = xss, ["note"] = xss, ["count"] = 42 },
            Tags = { "<b>tag</b>" },
        });
        await host.RunUntilIdleAsync();

        using var response = await host.Client.GetAsync($"api/commands/{command.Id}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\\u003Cscript\\u003E", text, StringComparison.Ordinal);

        var detail = JsonNode.Parse(text)!;
        Assert.Equal(xss, (string)detail["command"]!["payload"]!["note"]!);   // the value itself is intact
        Assert.Equal(42, (int)detail["command"]!["payload"]!["count"]!);       // ints stay ints
        Assert.Equal(xss, (string)detail["command"]!["error"]!);
        Assert.Equal("<b>tag</b>", (string)detail["command"]!["tags"]![0]!);
        var history = detail["history"]!.AsArray().Select(e => (string)e!["type"]!).ToArray();
        Assert.Equal(["created", "started", "failed"], history);

        var alone = (await host.GetJsonAsync($"api/commands/{command.Id}/history")).AsArray();
        Assert.Equal(3, alone.Count);
        Assert.Equal(1, (int)alone[2]!["attempt"]!);
    }

    [SkippableFact]
    public async Task Workflow_view_is_the_tree_of_a_correlation_id()
    {
        await using var host = await StartAsync();
        var root = await host.Executor.AddAsync(new CommandSpec("parent") { CorrelationId = "order-7" });
        await host.Executor.AddAsync(new CommandSpec("ok") { CorrelationId = "order-8" });
        await host.RunUntilIdleAsync();

        var workflow = await host.GetJsonAsync("api/workflows/order-7");
        Assert.Equal("order-7", (string)workflow["correlationId"]!);
        Assert.Equal(4, (int)workflow["count"]!);
        Assert.False((bool)workflow["truncated"]!);
        Assert.Equal(4, (long)workflow["counts"]!["COMPLETED"]!);
        var nodes = workflow["nodes"]!.AsArray().Select(n => ((string)n!["command"]!["name"]!, (int)n["depth"]!)).ToArray();
        // parent ─┬─ ok
        //         └─ child ── ok (its Next)
        Assert.Equal([("parent", 0), ("ok", 1), ("child", 1), ("ok", 2)], nodes);
        Assert.Equal(root.Id.ToString(), (string)workflow["nodes"]![1]!["command"]!["parentId"]!);

        Assert.Contains("order-9", await host.GetErrorAsync("api/workflows/order-9", 404));
    }

    [SkippableFact]
    public async Task Dead_letters_are_listed_replayed_retried_and_purged()
    {
        await using var host = await StartAsync();
        var one = await host.Executor.AddAsync(new CommandSpec("fail"));
        var two = await host.Executor.AddAsync(new CommandSpec("fail"));
        var three = await host.Executor.AddAsync(new CommandSpec("fail"));
        await host.Executor.AddAsync(new CommandSpec("ok"));
        await host.RunUntilIdleAsync();

        var page = await host.GetJsonAsync("api/dead-letters?limit=2");
        Assert.Equal([three.Id.ToString(), two.Id.ToString()], DashboardHost.Ids(page));
        var rest = await host.GetJsonAsync("api/dead-letters?limit=2&cursor=" + (string)page["nextCursor"]!);
        Assert.Equal([one.Id.ToString()], DashboardHost.Ids(rest));
        Assert.Contains("Unknown query parameter 'status'", await host.GetErrorAsync("api/dead-letters?status=FAILED", 400));

        var replayed = await host.PostJsonAsync($"api/commands/{one.Id}/replay");
        Assert.Equal("PENDING", (string)replayed["status"]!);
        var retried = await host.PostJsonAsync($"api/commands/{two.Id}/retry");
        Assert.Equal("PENDING", (string)retried["status"]!);
        await host.RunUntilIdleAsync();
        var history = (await host.GetJsonAsync($"api/commands/{one.Id}/history")).AsArray().Select(e => (string)e!["type"]!).ToArray();
        Assert.Contains("replayed", history);
        Assert.Equal(3, DashboardHost.Ids(await host.GetJsonAsync("api/dead-letters")).Count); // they failed again

        // Replaying something that is not a dead letter is a conflict, with the reason.
        var ok = (await host.GetJsonAsync("api/commands?name=ok"))["items"]![0]!;
        using (var conflict = await host.PostAsync($"api/commands/{(string)ok["id"]!}/replay"))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Contains("COMPLETED", await conflict.Content.ReadAsStringAsync());
        }

        // Bulk replay: per-id results.
        var bulk = await host.PostJsonAsync("api/commands/replay", new JsonObject { ["ids"] = new JsonArray(one.Id.ToString(), (string)ok["id"]!) });
        Assert.Equal(1, (int)bulk["succeeded"]!);
        Assert.Equal(1, (int)bulk["failed"]!);
        Assert.False((bool)bulk["results"]![1]!["ok"]!);
        await host.RunUntilIdleAsync();

        // Purge: nothing is older than an hour; everything is older than 0 s.
        Assert.Equal(0, (int)(await host.PostJsonAsync("api/dead-letters/purge", new JsonObject { ["olderThanSeconds"] = 3600 }))["count"]!);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, (int)(await host.PostJsonAsync("api/dead-letters/purge", new JsonObject { ["olderThanSeconds"] = 0 }))["count"]!);
        Assert.Empty(DashboardHost.Ids(await host.GetJsonAsync("api/dead-letters")));
        Assert.Contains("olderThanSeconds", await ErrorOfPostAsync(host, "api/dead-letters/purge", new JsonObject { ["olderThanSeconds"] = -1 }, 400));
    }

    [SkippableFact]
    public async Task Commands_are_cancelled_one_by_one_in_bulk_and_by_tag()
    {
        await using var host = await StartAsync();
        var later = TimeSpan.FromHours(1);
        var a = await host.Executor.AddAsync(new CommandSpec("ok") { Delay = later });
        var b = await host.Executor.AddAsync(new CommandSpec("ok") { Delay = later });
        var c = await host.Executor.AddAsync(new CommandSpec("ok") { Delay = later });
        await host.Executor.AddAsync(new CommandSpec("ok") { Delay = later, Tags = { "tenant:9" } });
        await host.Executor.AddAsync(new CommandSpec("ok") { Delay = later, Tags = { "tenant:9" } });

        var cancelled = await host.PostJsonAsync($"api/commands/{a.Id}/cancel", new JsonObject { ["reason"] = "customer left" });
        Assert.Equal("CANCELLED", (string)cancelled["status"]!);
        var history = (await host.GetJsonAsync($"api/commands/{a.Id}"))["history"]!.AsArray();
        Assert.Contains(history, e => (string)e!["type"]! == "cancelled" && ((string?)e["message"] ?? "").Contains("customer left"));

        var bulk = await host.PostJsonAsync("api/commands/cancel", new JsonObject { ["ids"] = new JsonArray(b.Id.ToString(), c.Id.ToString(), a.Id.ToString()) });
        Assert.Equal(2, (int)bulk["succeeded"]!);
        Assert.Equal(1, (int)bulk["failed"]!);
        Assert.Contains("CANCELLED", (string)bulk["results"]![2]!["error"]!);

        Assert.Equal(2, (int)(await host.PostJsonAsync("api/commands/cancel-by-tag", new JsonObject { ["tag"] = "tenant:9" }))["count"]!);
        Assert.Equal(5, DashboardHost.Ids(await host.GetJsonAsync("api/commands?status=CANCELLED")).Count);

        // Cancelling a terminal command: 409 naming its status. An unknown one: 404.
        using (var again = await host.PostAsync($"api/commands/{a.Id}/cancel"))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("CANCELLED", await again.Content.ReadAsStringAsync());
        }

        using var missing = await host.PostAsync($"api/commands/{Guid.NewGuid()}/cancel");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [SkippableFact]
    public async Task Bad_input_is_refused_with_400_and_a_message_saying_what_to_fix()
    {
        await using var host = await StartAsync();
        Assert.Contains("not a valid id", await host.GetErrorAsync("api/commands/not-a-guid", 400));
        Assert.Contains("not a valid id", await host.GetErrorAsync("api/commands/123/history", 400));
        Assert.Contains("does not exist", await host.GetErrorAsync($"api/commands/{Guid.NewGuid()}", 404));
        Assert.Contains("1 to 1000", await host.GetErrorAsync("api/commands?limit=0", 400));
        Assert.Contains("1 to 1000", await host.GetErrorAsync("api/commands?limit=1001", 400));
        Assert.Contains("1 to 1000", await host.GetErrorAsync("api/commands?limit=ten", 400));
        Assert.Contains("1 to 1000", await host.GetErrorAsync("api/dead-letters?limit=-5", 400));
        var status = await host.GetErrorAsync("api/commands?status=DONE", 400);
        Assert.Contains("'DONE' is not a command status", status);
        Assert.Contains("DEAD_LETTER", status);
        Assert.Contains("Known parameters", await host.GetErrorAsync("api/commands?stauts=FAILED", 400));
        Assert.Contains("nextCursor", await host.GetErrorAsync("api/commands?cursor=abc", 400));
        Assert.Contains("ISO 8601", await host.GetErrorAsync("api/commands?createdFrom=yesterday", 400));
        Assert.Contains("'newest'", await host.GetErrorAsync("api/commands?order=sideways", 400));
        Assert.Contains("not a valid parentId", await host.GetErrorAsync("api/commands?parentId=x", 400));
        Assert.Contains("at most 500", await host.GetErrorAsync("api/commands?search=" + new string('a', 501), 400));
        Assert.Contains("give it once", await host.GetErrorAsync("api/commands?name=a&name=b", 400));
        Assert.Contains("no query parameters", await host.GetErrorAsync("api/stats?x=1", 400));

        Assert.Contains("{\"ids\"", await ErrorOfPostAsync(host, "api/commands/retry", new JsonObject(), 400));
        Assert.Contains("not valid JSON", await ErrorOfPostAsync(host, "api/commands/retry", "{ids:", 400));
        Assert.Contains("not a valid id", await ErrorOfPostAsync(host, "api/commands/cancel", new JsonObject { ["ids"] = new JsonArray("nope") }, 400));
        Assert.Contains("at most 1000", await ErrorOfPostAsync(host, "api/commands/cancel",
            new JsonObject { ["ids"] = new JsonArray(Enumerable.Range(0, 1001).Select(_ => (JsonNode)Guid.NewGuid().ToString()).ToArray()) }, 400));
        Assert.Contains("tag", await ErrorOfPostAsync(host, "api/commands/cancel-by-tag", new JsonObject { ["tag"] = " " }, 400));
        Assert.Contains("not a valid id", await ErrorOfPostAsync(host, "api/commands/zzz/retry", null, 400));
    }

    [SkippableFact]
    public async Task State_changes_need_POST_and_the_custom_header()
    {
        await using var host = await StartAsync();
        var command = await host.Executor.AddAsync(new CommandSpec("ok") { Delay = TimeSpan.FromHours(1) });

        using (var noHeader = await host.PostAsync($"api/commands/{command.Id}/cancel", header: false))
        {
            Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);
            Assert.Contains(DurexDashboardOptions.ActionHeader, await noHeader.Content.ReadAsStringAsync());
            AssertSecurityHeaders(noHeader);
        }

        // What a cross-site HTML form can send: a POST with a form body and no custom header.
        using (var form = await host.Client.PostAsync($"api/commands/{command.Id}/cancel", new FormUrlEncodedContent([new("reason", "csrf")])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, form.StatusCode);
        }

        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, $"api/commands/{command.Id}/cancel"))
        {
            crossSite.Headers.Add(DurexDashboardOptions.ActionHeader, "1");
            crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
            using var response = await host.Client.SendAsync(crossSite);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var get = await host.Client.GetAsync($"api/commands/{command.Id}/cancel"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        }

        using (var getBulk = await host.Client.GetAsync("api/dead-letters/purge"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, getBulk.StatusCode);
        }

        Assert.Equal("PENDING", (string)(await host.GetJsonAsync($"api/commands/{command.Id}"))["command"]!["status"]!);
        Assert.Contains("application/json", await ErrorOfPostAsync(host, $"api/commands/{command.Id}/cancel", null, 415,
            new StringContent("reason=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded")));
    }

    [SkippableFact]
    public async Task Health_has_the_go_fields_and_status_values()
    {
        await using var host = await StartAsync();
        await host.Executor.AddAsync(new CommandSpec("ok") { Delay = TimeSpan.FromHours(1) });
        using (var response = await host.Client.GetAsync("api/health"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var health = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            Assert.Equal("healthy", (string)health["status"]!);
            Assert.True((bool)health["started"]!);
            Assert.False((bool)health["stopping"]!);
            Assert.True((bool)health["storage_ok"]!);
            Assert.Equal(2, (int)health["worker_count"]!);
            Assert.Equal(0, (long)health["queue_depth"]!);
            Assert.Equal(0, (double)health["oldest_ready_age_seconds"]!);
            Assert.Equal("2026-03-02T09:00:00Z", (string)health["timestamp"]!);
            Assert.False(health.ContainsKey("message"));
        }

        await host.Executor.StopAsync();
        using (var response = await host.Client.GetAsync("api/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var health = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("unhealthy", (string)health["status"]!);
            Assert.Equal("executor not started", (string)health["message"]!);
            Assert.True((bool)health["storage_ok"]!);
        }
    }

    [SkippableFact]
    public async Task Health_of_a_client_only_dashboard_and_a_degraded_queue()
    {
        await using var host = await StartAsync(configure: o =>
        {
            o.ExpectRunningExecutor = false;
            o.MaxQueueAge = TimeSpan.FromMinutes(1);
        }, startExecutor: false);
        Assert.Equal("healthy", (string)(await host.GetJsonAsync("api/health"))["status"]!);

        await host.Executor.AddAsync(new CommandSpec("ok"));
        host.Time.Advance(TimeSpan.FromMinutes(2));
        var health = await host.GetJsonAsync("api/health");
        Assert.Equal("degraded", (string)health["status"]!);
        Assert.Equal(1, (long)health["queue_depth"]!);
        Assert.Equal(120, (double)health["oldest_ready_age_seconds"]!);
        Assert.Contains("oldest ready command", (string)health["message"]!);
    }

    [SkippableFact]
    public async Task Ui_is_served_under_the_prefix_with_a_strict_csp()
    {
        await using var host = await StartAsync("/ops/jobs");
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Client.BaseAddress };
        using (var bare = await noRedirect.GetAsync(host.Client.BaseAddress!.ToString().TrimEnd('/') + "?x=1"))
        {
            Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
            Assert.Equal("/ops/jobs/?x=1", bare.Headers.Location!.OriginalString);
        }

        using var page = await host.Client.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType!.ToString());
        AssertSecurityHeaders(page);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("src=\"app.js\"", html);          // relative: works under any prefix
        Assert.DoesNotContain("<script>", html);          // no inline script (the CSP forbids it anyway)
        Assert.DoesNotContain("style=", html);
        Assert.DoesNotContain("http", html.Replace("http-equiv", ""), StringComparison.OrdinalIgnoreCase); // no CDN

        using var script = await host.Client.GetAsync("app.js");
        Assert.Equal("text/javascript; charset=utf-8", script.Content.Headers.ContentType!.ToString());
        var js = await script.Content.ReadAsStringAsync();
        Assert.DoesNotContain("innerHTML", js);
        Assert.DoesNotContain("eval(", js);
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "app.js");
        revalidate.Headers.TryAddWithoutValidation("If-None-Match", script.Headers.ETag!.ToString());
        using var notModified = await host.Client.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var css = await host.Client.GetAsync("app.css");
        Assert.Equal("text/css; charset=utf-8", css.Content.Headers.ContentType!.ToString());

        var config = await host.GetJsonAsync("api/config");
        Assert.Equal("Durex", (string)config["title"]!);
        Assert.False((bool)config["readOnly"]!);
        Assert.Equal(2000, (int)config["refreshIntervalMilliseconds"]!);
        Assert.Equal(DurexDashboardOptions.ActionHeader, (string)config["actionHeader"]!);

        // Nothing outside the prefix.
        using var outside = await noRedirect.GetAsync(new Uri(host.Client.BaseAddress!, "/api/stats"));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }

    [SkippableFact]
    public async Task Read_only_dashboards_have_no_actions()
    {
        await using var host = await StartAsync(configure: o => o.ReadOnly = true);
        var command = await host.Executor.AddAsync(new CommandSpec("ok") { Delay = TimeSpan.FromHours(1) });
        using var response = await host.PostAsync($"api/commands/{command.Id}/cancel");
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, response.StatusCode.ToString());
        Assert.True((bool)(await host.GetJsonAsync("api/config"))["readOnly"]!);
        Assert.Equal("PENDING", (string)(await host.GetJsonAsync($"api/commands/{command.Id}"))["command"]!["status"]!);
    }

    internal static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    private static async Task<string> ErrorOfPostAsync(DashboardHost host, string url, object? body, int status, HttpContent? content = null)
    {
        HttpResponseMessage response;
        if (content is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            request.Headers.Add(DurexDashboardOptions.ActionHeader, "1");
            response = await host.Client.SendAsync(request);
        }
        else
        {
            response = await host.PostAsync(url, body);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"POST {url}: expected {status}, got {(int)response.StatusCode} {text}");
            return (string)JsonNode.Parse(text)!["error"]!;
        }
    }
}
