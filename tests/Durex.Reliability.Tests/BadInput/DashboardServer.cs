using System.Collections.Concurrent;
using Durex.Dashboard;
using Durex.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durex.Reliability.Tests.BadInput;

/// <summary>
/// The dashboard of an executor on a real Kestrel (127.0.0.1, port 0) under <c>/durex</c>. Every log entry of Error or
/// worse (an unhandled exception in a request, a crashed server task) is collected in <see cref="Errors"/>.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private DashboardServer(WebApplication app, ErrorCollector errors)
    {
        App = app;
        _errors = errors;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Root = new Uri(address.TrimEnd('/') + "/");
        Client = new HttpClient { BaseAddress = new Uri(Root, "durex/"), Timeout = HangGuard };
    }

    private readonly ErrorCollector _errors;

    public WebApplication App { get; }

    /// <summary>The server's root (the dashboard is under <c>durex/</c>).</summary>
    public Uri Root { get; }

    /// <summary>Relative URLs resolve under the dashboard: <c>api/stats</c>.</summary>
    public HttpClient Client { get; }

    public IReadOnlyCollection<string> Errors => _errors.Entries;

    /// <param name="executor">The executor whose dashboard this is (not started here).</param>
    /// <param name="configureApp">Middleware to add before the dashboard (e.g. to fake a remote address).</param>
    public static async Task<DashboardServer> StartAsync(Executor executor, Action<WebApplication>? configureApp = null,
        Action<DurexDashboardOptions>? configure = null)
    {
        var errors = new ErrorCollector();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(errors);
        builder.Services.AddSingleton(executor);
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        configureApp?.Invoke(app);
        app.MapDurexDashboard("/durex", o =>
        {
            o.ExpectRunningExecutor = false;
            configure?.Invoke(o);
        });
        await app.StartAsync().WaitAsync(HangGuard);
        return new DashboardServer(app, errors);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }

    private sealed class ErrorCollector : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _entries = new();

        public IReadOnlyCollection<string> Entries => _entries;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}

/// <summary>Every command of a store with its history, as comparable text: what a snapshot before and after must agree on.</summary>
public static class StoreSnapshot
{
    public static async Task<Dictionary<Guid, string>> TakeAsync(ICommandStore store)
    {
        var rows = new Dictionary<Guid, string>();
        var query = new CommandQuery { Order = CommandOrder.OldestFirst, Limit = CommandQuery.MaxLimit };
        while (true)
        {
            var page = await store.FindAsync(query);
            foreach (var c in page.Items)
            {
                var history = await store.GetHistoryAsync(c.Id);
                var text = string.Join("|", c.Name, c.Status, c.Attempt, c.Error, c.ReadyAt.UtcTicks, c.StartedAt?.UtcTicks, c.CompletedAt?.UtcTicks,
                    string.Join(",", c.Tags), c.UniqueKey, c.CorrelationId, Convert.ToBase64String(c.Payload.Span), c.LeaseOwner, c.FanInPending,
                    c.ReadError, string.Join(";", history.Select(e => $"{e.Type}/{e.Attempt}/{e.Message}")));
                // Stand-in ids of unreadable rows may repeat: keep both rows.
                if (!rows.TryAdd(c.Id, text))
                {
                    rows[c.Id] += "\n" + text;
                }
            }

            if (page.NextCursor is null)
            {
                return rows;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <summary>The ids whose row differs (changed, added or removed) between two snapshots.</summary>
    public static IReadOnlyCollection<Guid> Changed(Dictionary<Guid, string> before, Dictionary<Guid, string> after) =>
        before.Keys.Union(after.Keys)
            .Where(id => !before.TryGetValue(id, out var b) || !after.TryGetValue(id, out var a) || b != a)
            .ToArray();
}
