namespace Durex.Cli;

/// <summary>A failure the tool explains itself: the message says what to fix, the code is one of <see cref="ExitCodes"/>.</summary>
internal sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    public static CliException Store(string message, Exception? inner = null) => new(ExitCodes.StoreUnavailable, message, inner);
}
