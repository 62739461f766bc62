using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Durex.Reliability.Tests.Processes;

/// <summary>An engine log entry as the outage tests see it.</summary>
internal sealed record LogEntry(TimeSpan At, string Source, LogLevel Level, int EventId, string Message, Exception? Exception);

/// <summary>Keeps the warnings and errors of the executors it is given to, timed on a shared stopwatch.</summary>
internal sealed class CapturingLoggerFactory(string source, Stopwatch clock, ConcurrentQueue<LogEntry> entries) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(source, clock, entries);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(string source, Stopwatch clock, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new LogEntry(clock.Elapsed, source, logLevel, eventId.Id, formatter(state, exception), exception));
            }
        }
    }
}
