using System.Net.Http.Json;
using System.Text.Json;

namespace Durex.Samples.Tests;

/// <summary>samples/Basic, the README's first command: its commands run, its dashboard answers, Ctrl+C stops it.</summary>
public sealed class BasicSampleTests
{
    [SkippableFact]
    public async Task Runs_the_demo_serves_it_on_the_dashboard_and_stops_on_Ctrl_C()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Ctrl+C is sent as SIGINT.");
        using var directory = new TempDirectory();
        await using var basic = SampleProcess.Start("Basic", directory.Path, "--dashboard-url", "http://127.0.0.1:0");

        // Port 0: the sample prints the port it was given.
        var dashboard = new Uri((await basic.WaitForLineAsync(@"^\s+dashboard:\s+(http://127\.0\.0\.1:\d+/)$")).Groups[1].Value);
        Assert.NotEqual(0, dashboard.Port);
        Assert.Contains($"store:     {Path.Combine(directory.Path, "durex-basic.db")}", basic.Output);
        var historyLink = await basic.WaitForLineAsync(@"^\s+sendEmail's history:\s+(\S+)#/command/([0-9a-f-]{36})$");
        Assert.Equal(dashboard.ToString(), historyLink.Groups[1].Value);
        var emailId = historyLink.Groups[2].Value;

        // It keeps running after the demo: the dashboard answers with what happened.
        using var http = new HttpClient { BaseAddress = dashboard, Timeout = SampleProcess.Guard };
        var stats = await http.GetFromJsonAsync<JsonElement>("api/stats");
        Assert.True(stats.GetProperty("isRunning").GetBoolean());
        var counts = stats.GetProperty("counts");
        Assert.Equal(4, counts.GetProperty("COMPLETED").GetInt64()); // two welcomes, sendEmail, greet
        Assert.Equal(0, counts.GetProperty("FAILED").GetInt64());
        Assert.Equal(1, new[] { "PENDING", "WAITING", "STARTED", "REPEATING" }.Sum(s => counts.GetProperty(s).GetInt64())); // the heartbeat

        // The retried command: completed on its third attempt, after two failures in its history.
        var email = Assert.Single((await http.GetFromJsonAsync<JsonElement>("api/commands?name=sendEmail")).GetProperty("items").EnumerateArray());
        Assert.Equal(emailId, email.GetProperty("id").GetString());
        Assert.Equal("COMPLETED", email.GetProperty("status").GetString());
        Assert.Equal(3, email.GetProperty("attempt").GetInt32());
        Assert.Equal(["created", "started", "retrying", "started", "retrying", "started", "completed"], await HistoryAsync(http, emailId));

        // The repeating command: one of it, rescheduled after its first run (the output shows the second run; an
        // attempt's events are stored with its outcome, so the history may not have that one yet).
        var heartbeat = Assert.Single((await http.GetFromJsonAsync<JsonElement>("api/commands?name=heartbeat")).GetProperty("items").EnumerateArray());
        Assert.Contains(heartbeat.GetProperty("status").GetString(), new[] { "REPEATING", "STARTED" });
        var heartbeatHistory = await HistoryAsync(http, heartbeat.GetProperty("id").GetString()!);
        Assert.Equal(["created", "started", "repeating"], heartbeatHistory.Take(3));

        // The page itself.
        using var page = await http.GetAsync("");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        var output = basic.Output;
        Assert.Contains("sendEmail: attempt 1 failed (mail server busy), 3 retries left", output);
        Assert.Contains("sendEmail: attempt 2 failed (mail server busy), 2 retries left", output);
        Assert.Contains("sendEmail: sent \"Your first Durex job\" to ada@example.com on attempt 3", output);
        Assert.Contains("heartbeat: run 2", output);
        Assert.Contains("welcome: hello Ada <ada@example.com>", output);
        Assert.Contains("welcome: hello Brian <brian@example.com>", output);
        Assert.Contains("greet: hello World!", output);
        Assert.Contains("Press Ctrl+C to stop.", output);

        basic.Interrupt();
        Assert.Equal(0, await basic.WaitForExitAsync());
        Assert.Contains("\nStopping…\n", basic.Output);
        Assert.EndsWith("\nStopped.", basic.Output);
        Assert.Equal(["durex-basic.db"], directory.FileNames().Where(f => !f.StartsWith("durex-basic.db-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Exits_when_done_on_request_and_a_second_run_on_the_same_file_keeps_one_heartbeat()
    {
        using var directory = new TempDirectory();
        for (var run = 1; run <= 2; run++)
        {
            await using var basic = SampleProcess.Start("Basic", directory.Path, "--dashboard-url", "http://127.0.0.1:0", "--exit-when-done");
            Assert.True(await basic.WaitForExitAsync() == 0, $"run {run} failed:\n{basic.Output}");
            var output = basic.Output;

            // Each run adds its four one-off commands; the permanent heartbeat is enqueued once, under its unique key.
            Assert.Contains($"The store holds {4 * run} completed, 0 failed and 1 active commands", output);
            Assert.Contains("sendEmail  COMPLETED  after 3 attempt(s)", output);
            Assert.Contains("heartbeat: run 2", output);
            Assert.DoesNotContain("Press Ctrl+C", output);
            Assert.EndsWith("Stopped.", output);
        }

        Assert.Contains("durex-basic.db", directory.FileNames());
    }

    private static async Task<string[]> HistoryAsync(HttpClient http, string id) =>
        (await http.GetFromJsonAsync<JsonElement>($"api/commands/{id}/history"))
            .EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray();
}
