using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Durex.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Dashboard.Tests;

/// <summary>
/// One test's world: a store, an executor on a fake clock with a few handlers, and a real Kestrel on 127.0.0.1 (port 0)
/// serving the dashboard under <see cref="Prefix"/>.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly ITestStore _store;

    private DashboardHost(ITestStore store, Executor executor, FakeTimeProvider time, WebApplication app, string prefix)
    {
        _store = store;
        Executor = executor;
        Time = time;
        App = app;
        Prefix = prefix;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Client = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + prefix + "/"), Timeout = HangGuard };
    }

    public Executor Executor { get; }

    public FakeTimeProvider Time { get; }

    public WebApplication App { get; }

    public string Prefix { get; }

    /// <summary>Relative URLs resolve under the dashboard: <c>api/stats</c>.</summary>
    public HttpClient Client { get; }

    public static async Task<DashboardHost> StartAsync(Func<ITestStore> store, string prefix = "/durex", Action<DurexDashboardOptions>? configure = null,
        bool startExecutor = true)
    {
        var testStore = store();
        var time = new FakeTimeProvider(Start);
        var executor = new Executor(testStore.Store, o =>
        {
            o.TimeProvider = time;
            o.UseDeadLetterQueue();
            o.Parallelism = 2;
            o.Retention.CleanupInterval = null;
            o.LimitConcurrency("ok", 5);
            o.LimitGlobalConcurrency(2);
        });
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        executor.Handle("fail", (ctx, _) => throw new InvalidOperationException(ctx.Data.GetString("error") ?? "gateway timeout 504"));
        executor.Handle("parent", (ctx, _) => ValueTask.FromResult(CommandResult.Spawn(
            new CommandSpec("ok") { Data = { ["child"] = 1 } },
            new CommandSpec("child") { Data = { ["child"] = 2 } })));
        executor.Handle("child", (_, _) => ValueTask.FromResult(CommandResult.Next(new CommandSpec("ok") { Data = { ["grandchild"] = true } })));
        if (startExecutor)
        {
            await executor.StartAsync();
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(executor);
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        app.MapDurexDashboard(prefix, o =>
        {
            o.ThroughputSampleInterval = TimeSpan.FromSeconds(10);
            configure?.Invoke(o);
        });
        await app.StartAsync();
        return new DashboardHost(testStore, executor, time, app, prefix);
    }

    public async Task RunUntilIdleAsync() => await Executor.WaitForIdleAsync().WaitAsync(HangGuard);

    public async Task<JsonNode> GetJsonAsync(string url)
    {
        using var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>A GET that must fail with <paramref name="status"/>; returns the error message.</summary>
    public async Task<string> GetErrorAsync(string url, int status)
    {
        using var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"GET {url}: expected {status}, got {(int)response.StatusCode} {text}");
        var body = JsonNode.Parse(text)!;
        Assert.Equal(status, (int)body["status"]!);
        return (string)body["error"]!;
    }

    public async Task<HttpResponseMessage> PostAsync(string url, object? body = null, bool header = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (header)
        {
            request.Headers.Add(DurexDashboardOptions.ActionHeader, "1");
        }

        if (body is not null)
        {
            var json = body as string ?? ((JsonNode)body).ToJsonString();
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        return await Client.SendAsync(request);
    }

    public async Task<JsonNode> PostJsonAsync(string url, JsonNode? body = null)
    {
        using var response = await PostAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public static IReadOnlyList<string> Ids(JsonNode page) => page["items"]!.AsArray().Select(i => (string)i!["id"]!).ToArray();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        await Executor.DisposeAsync();
        await _store.DisposeAsync();
    }
}
