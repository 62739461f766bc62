using System.Collections.Concurrent;
using Durex.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Tests;

/// <summary>The executor's logs: a category per component, structured command scopes, nothing per success at Information.</summary>
public sealed class LoggingTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Logs_have_a_category_per_component_and_attempts_carry_the_command_scope()
    {
        var provider = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        var handlerLogger = factory.CreateLogger("App.Handlers");
        await using var executor = new Executor(new MemoryStore(), o =>
        {
            o.LoggerFactory = factory;
            o.TimeProvider = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        });
        executor.Handle("ok", (ctx, _) =>
        {
            handlerLogger.LogInformation("Sending the welcome mail");
            return ValueTask.FromResult(CommandResult.Empty);
        });
        executor.Handle("flaky", (ctx, _) => ctx.Attempt == 1
            ? throw new InvalidOperationException("smtp down")
            : ValueTask.FromResult(CommandResult.Empty), c => c.Retries(1));
        await executor.StartAsync();
        var ok = await executor.AddAsync(new CommandSpec("ok") { CorrelationId = "order-7" });
        for (var i = 0; i < 20; i++)
        {
            await executor.AddAsync(new CommandSpec("ok"));
        }

        var flaky = await executor.AddAsync(new CommandSpec("flaky"));
        await executor.WaitForIdleAsync().WaitAsync(HangGuard);
        await executor.StopAsync();

        var entries = provider.Entries.ToArray();
        Assert.Contains(entries, e => e.Category == "Durex.Executor" && e.Level == LogLevel.Information && e.Message.Contains("started"));
        Assert.Contains(entries, e => e.Category == "Durex.Executor" && e.Message.Contains("stopped"));

        // Nothing at Information or above per successful attempt: 21 successes, only Debug entries for them.
        Assert.DoesNotContain(entries, e => e.Category.StartsWith("Durex.", StringComparison.Ordinal) && e.Level >= LogLevel.Information
            && e.Scope.GetValueOrDefault("CommandName") is "ok");
        Assert.Equal(21, entries.Count(e => e.Category == "Durex.Worker" && e.Level == LogLevel.Debug && e.Scope.GetValueOrDefault("CommandName") is "ok"));

        // The handler's own log line carries the command's scope as structured values.
        var handlerLine = Assert.Single(entries, e => e.Category == "App.Handlers" && Equals(e.Scope.GetValueOrDefault("CommandId"), ok.Id));
        Assert.Equal("ok", handlerLine.Scope["CommandName"]);
        Assert.Equal(1, handlerLine.Scope["Attempt"]);
        Assert.Equal("order-7", handlerLine.Scope["CorrelationId"]);

        // The failed attempt: a warning in the worker's category, with the exception, the structured values and the scope.
        var retry = Assert.Single(entries, e => e.Category == "Durex.Worker" && e.Level == LogLevel.Warning);
        Assert.IsType<InvalidOperationException>(retry.Exception);
        Assert.Equal(flaky.Id, retry.Values["CommandId"]);
        Assert.Equal(flaky.Id, retry.Scope["CommandId"]);
        Assert.Equal("flaky", retry.Scope["CommandName"]);
        Assert.Equal(1, retry.Scope["Attempt"]);
    }

    private sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception,
        IReadOnlyDictionary<string, object?> Values, IReadOnlyDictionary<string, object?> Scope);

    private sealed class RecordingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private static Dictionary<string, object?> Flatten(object? state, Dictionary<string, object?> into)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    into[key] = value;
                }
            }

            return into;
        }

        private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>();
                provider._scopes.ForEachScope((s, into) => Flatten(s, into), scope);
                provider.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception, Flatten(state, new()), scope));
            }
        }
    }
}
