namespace Durex.Cli;

/// <summary>What the tool reads from the process it runs in; tests replace it.</summary>
public sealed class DurexCliEnvironment
{
    /// <summary>Reads an environment variable (<c>DUREX_STORE</c>). Default: the process environment.</summary>
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Whether standard error is a terminal: <c>--progress auto</c> shows progress only then.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The clock for ages and <c>--older-than</c>. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
