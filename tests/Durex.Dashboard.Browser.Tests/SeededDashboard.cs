using System.Text.Json.Nodes;
using Durex.Dashboard;
using Durex.Sqlite;

namespace Durex.Dashboard.Browser.Tests;

/// <summary>
/// A SQLite-backed executor on the real clock with a shop's worth of commands, and the standalone dashboard on
/// 127.0.0.1 (port 0). Seeding runs in two phases on one store: an executor without the dead-letter queue leaves
/// <c>FAILED</c> commands (declined cards, the import whose payload and error carry markup), then the executor that
/// stays up, with the queue, adds the rest (dead letters, a workflow, pending and delayed work). Its <c>chargeCard</c>
/// handler succeeds, so retrying a declined card from the page completes it.
/// </summary>
public sealed class SeededDashboard : IAsyncDisposable
{
    public const string ScriptPayload = "<script>window.__xss=1</script>";
    public const string ImagePayload = "<img src=x onerror=window.__xss=2>";
    public const string WorkflowId = "order-1042";
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly string _path;
    private readonly SqliteStore _store;
    private CancellationTokenSource? _trickle;
    private Task? _trickleTask;

    private SeededDashboard(string path, SqliteStore store, Executor executor, DurexDashboardServer server, JsonObject plan)
    {
        _path = path;
        _store = store;
        Executor = executor;
        Server = server;
        Plan = plan;
    }

    public Executor Executor { get; }

    public DurexDashboardServer Server { get; }

    /// <summary>What the page should show: ids and counts the script checks against (passed to it as JSON).</summary>
    public JsonObject Plan { get; }

    public static async Task<SeededDashboard> StartAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), "durex-dashboard-browser-" + Guid.NewGuid().ToString("N") + ".db");
        var store = new SqliteStore(path);
        string[] tenants = ["tenant:acme", "tenant:globex", "tenant:initech"];

        // Phase 1: no dead-letter queue, so these fail for good as FAILED.
        var failedIds = new List<string>();
        string xssId;
        await using (var seeding = new Executor(store, o =>
        {
            o.Parallelism = 2;
            o.Retention.CleanupInterval = null;
        }))
        {
            seeding.Handle("chargeCard", (_, _) => throw new InvalidOperationException("card declined: insufficient funds (402)"));
            seeding.Handle("importContact", (ctx, _) => throw new FormatException(
                "import failed at " + ctx.Data.GetString("html") + " near " + ctx.Data.GetString("note")));
            await seeding.StartAsync();
            for (var i = 0; i < 3; i++)
            {
                failedIds.Add((await seeding.AddAsync(new CommandSpec("chargeCard")
                {
                    Data = { ["orderId"] = 2000 + i, ["amount"] = 19.99m + i * 10 },
                    Tags = { tenants[i % 3] },
                })).Id.ToString());
            }

            xssId = (await seeding.AddAsync(new CommandSpec("importContact")
            {
                Data = { ["note"] = ScriptPayload, ["html"] = ImagePayload, ["source"] = "contacts.csv" },
                Tags = { "tenant:globex" },
            })).Id.ToString();
            await seeding.WaitForIdleAsync().WaitAsync(HangGuard);
            await seeding.StopAsync();
        }

        // Phase 2: the executor the dashboard shows, with the dead-letter queue.
        var executor = new Executor(store, o =>
        {
            o.Parallelism = 4;
            o.UseDeadLetterQueue();
            o.Retention.CleanupInterval = null;
            o.LimitConcurrency("sendEmail", 3);
            o.LimitConcurrency("resizeImage", 2);
            o.LimitGlobalConcurrency(4);
        });
        try
        {
            executor.Handle("sendEmail", (_, _) => ValueTask.FromResult(CommandResult.Empty));
            executor.Handle("chargeCard", (_, _) => ValueTask.FromResult(CommandResult.Empty));
            executor.Handle("importContact", (_, _) => throw new FormatException("import failed"));
            executor.Handle("syncInventory", (_, _) => throw new HttpRequestException("warehouse API returned 503 Service Unavailable"));
            executor.Handle("placeOrder", (ctx, _) => ValueTask.FromResult(CommandResult.Spawn(
                new CommandSpec("reserveStock") { Data = { ["orderId"] = ctx.Data.GetInt32("orderId") } },
                new CommandSpec("chargeCard") { Data = { ["orderId"] = ctx.Data.GetInt32("orderId"), ["amount"] = 129.5m } },
                new CommandSpec("sendEmail") { Data = { ["template"] = "order-confirmation" } })));
            executor.Handle("reserveStock", (ctx, _) => ValueTask.FromResult(CommandResult.Next(
                new CommandSpec("shipOrder") { Data = { ["orderId"] = ctx.Data.GetInt32("orderId"), ["carrier"] = "DHL" } })));
            executor.Handle("shipOrder", (_, _) => ValueTask.FromResult(CommandResult.Empty));
            executor.Handle("generateReport", (_, _) => ValueTask.FromResult(CommandResult.Empty));
            executor.Handle("resizeImage", (_, _) => ValueTask.FromResult(CommandResult.Empty));
            await executor.StartAsync();

            var sendEmail = 0;
            for (var i = 0; i < 24; i++)
            {
                await executor.AddAsync(new CommandSpec("sendEmail")
                {
                    Data = { ["to"] = $"customer{i}@example.com", ["template"] = i % 2 == 0 ? "welcome" : "receipt" },
                    Tags = { tenants[i % 3] },
                });
                sendEmail++;
            }

            var deadLetters = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                deadLetters.Add((await executor.AddAsync(new CommandSpec("syncInventory")
                {
                    Data = { ["warehouse"] = i == 0 ? "berlin" : "lyon" },
                    Retries = 2,
                    Tags = { "tenant:acme" },
                })).Id.ToString());
            }

            await executor.AddAsync(new CommandSpec("placeOrder") { CorrelationId = WorkflowId, Data = { ["orderId"] = 1042 }, Tags = { "tenant:initech" } });
            for (var i = 0; i < 3; i++)
            {
                await executor.AddAsync(new CommandSpec("generateReport") { Delay = TimeSpan.FromHours(1 + i), Data = { ["month"] = $"2026-0{i + 1}" } });
            }

            await executor.WaitForIdleAsync().WaitAsync(HangGuard);

            var server = await executor.StartDashboardAsync("http://127.0.0.1:0", o =>
            {
                o.RefreshIntervalMilliseconds = 1000;
                o.ThroughputSampleInterval = TimeSpan.FromSeconds(1);
            });
            var plan = new JsonObject
            {
                ["filterName"] = "sendEmail",
                ["filterNameCount"] = sendEmail + 1, // one more from the workflow
                ["failedCount"] = failedIds.Count + 1, // the declined cards and the import
                ["failedIds"] = new JsonArray(failedIds.Select(id => (JsonNode)id).ToArray()),
                ["retryId"] = failedIds[0],
                ["declinedCount"] = failedIds.Count,
                ["tag"] = "tenant:globex",
                ["tagCount"] = 8 + 1 + 1, // sendEmail 1, 4, …, 22; one declined card; the import
                ["xssId"] = xssId,
                ["scriptPayload"] = ScriptPayload,
                ["imagePayload"] = ImagePayload,
                ["workflowId"] = WorkflowId,
                // placeOrder ─┬─ reserveStock ── shipOrder
                //             ├─ chargeCard
                //             └─ sendEmail
                ["workflow"] = new JsonArray(
                    Node("placeOrder", 0), Node("reserveStock", 1), Node("shipOrder", 2), Node("chargeCard", 1), Node("sendEmail", 1)),
                ["deadLetterIds"] = new JsonArray(deadLetters.Select(id => (JsonNode)id).ToArray()),
                ["liveName"] = "resizeImage",
            };
            return new SeededDashboard(path, store, executor, server, plan);
        }
        catch
        {
            await executor.DisposeAsync();
            await store.DisposeAsync();
            DeleteFiles(path);
            throw;
        }

        static JsonNode Node(string name, int depth) => new JsonObject { ["name"] = name, ["depth"] = depth };
    }

    /// <summary>Starts enqueuing a <c>resizeImage</c> every 150 ms until disposed: the counts the page shows keep moving.</summary>
    public void StartTrickle()
    {
        if (_trickle is not null)
        {
            return;
        }

        _trickle = new CancellationTokenSource();
        var token = _trickle.Token;
        _trickleTask = Task.Run(async () =>
        {
            var n = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(150));
            while (await timer.WaitForNextTickAsync(token))
            {
                await Executor.AddAsync(new CommandSpec("resizeImage") { Data = { ["image"] = $"photo-{++n}.jpg", ["width"] = 640 } }, token);
            }
        }, token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_trickle is not null)
        {
            await _trickle.CancelAsync();
            try
            {
                await _trickleTask!.WaitAsync(HangGuard);
            }
            catch (OperationCanceledException)
            {
            }

            _trickle.Dispose();
        }

        await Server.DisposeAsync();
        await Executor.DisposeAsync();
        await _store.DisposeAsync();
        DeleteFiles(_path);
    }

    private static void DeleteFiles(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
