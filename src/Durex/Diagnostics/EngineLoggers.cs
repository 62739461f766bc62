using Microsoft.Extensions.Logging;

namespace Durex.Diagnostics;

/// <summary>One logger category per engine component, so operators can tune them apart (e.g. <c>"Durex.LeaseKeeper": "Debug"</c>).</summary>
internal sealed class EngineLoggers(ILoggerFactory factory)
{
    /// <summary>Lifecycle, enqueue warnings, permanent commands.</summary>
    public ILogger Executor { get; } = factory.CreateLogger("Durex.Executor");

    /// <summary>Claims.</summary>
    public ILogger Producer { get; } = factory.CreateLogger("Durex.Producer");

    /// <summary>Attempts: failures, retries, expiries, hooks. Handlers' own logs inherit its per-attempt scope.</summary>
    public ILogger Worker { get; } = factory.CreateLogger("Durex.Worker");

    /// <summary>Writing outcomes to the store.</summary>
    public ILogger Completer { get; } = factory.CreateLogger("Durex.Completer");

    /// <summary>Lease renewal and rescue.</summary>
    public ILogger LeaseKeeper { get; } = factory.CreateLogger("Durex.LeaseKeeper");

    /// <summary>Retention cleanup.</summary>
    public ILogger Retention { get; } = factory.CreateLogger("Durex.Retention");
}
