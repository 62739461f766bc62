using Microsoft.Extensions.Logging;

namespace Durex.Reliability.Worker;

/// <summary>Warnings and errors of the engine to stderr, one line each (the test shows them when it fails).</summary>
internal sealed class StderrLoggerFactory(string prefix) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new StderrLogger(prefix, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class StderrLogger(string prefix, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {prefix} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }
}
