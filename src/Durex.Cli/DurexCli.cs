namespace Durex.Cli;

/// <summary>
/// The <c>durex</c> command-line tool as a library: parses the arguments, runs the command against the store and
/// returns one of <see cref="ExitCodes"/>. Results go to <c>stdout</c>; messages and progress to <c>stderr</c>.
/// </summary>
/// <example><code>
/// var exitCode = await DurexCli.InvokeAsync(["list", "--sqlite", "durex.db", "--status", "dead_letter"], Console.Out, Console.Error);
/// </code></example>
public static class DurexCli
{
    /// <summary>Runs one command line in the process's environment (<c>DUREX_STORE</c>, the system clock).</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="stdout">Receives results (tables, JSON, the dashboard's URL).</param>
    /// <param name="stderr">Receives error messages and progress.</param>
    /// <param name="cancellationToken">Ctrl+C / SIGTERM: stops the dashboard, interrupts other commands.</param>
    public static Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        InvokeAsync(args, stdout, stderr, new DurexCliEnvironment(), cancellationToken);

    /// <summary>Runs one command line in the given <paramref name="environment"/>.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="stdout">Receives results (tables, JSON, the dashboard's URL).</param>
    /// <param name="stderr">Receives error messages and progress.</param>
    /// <param name="environment">Environment variables, whether stderr is a terminal, the clock.</param>
    /// <param name="cancellationToken">Ctrl+C / SIGTERM: stops the dashboard, interrupts other commands.</param>
    public static Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, DurexCliEnvironment environment,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(environment);
        return new CliApp(stdout, stderr, environment).RunAsync(args, cancellationToken);
    }
}
