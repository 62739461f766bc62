using Microsoft.Extensions.Hosting;

namespace Durex.Hosting;

/// <summary>
/// Checks that run once the host has started — every hosted service started and every server listening, so the bound
/// addresses are known — before <c>host.StartAsync</c> returns. A check that returns a message fails the start with an
/// <see cref="InvalidOperationException"/> carrying it (the host is then stopped by the caller's <c>using</c> or by
/// <c>app.Run</c>). Registered by <c>AddDurex</c> and <c>AddDurexClient</c>; extensions that are wired after the app is
/// built, such as <c>app.MapDurexDashboard()</c>, add theirs here.
/// </summary>
public sealed class DurexStartupChecks
{
    private readonly List<Func<string?>> _checks = [];

    /// <summary>Adds a check: it returns <see langword="null"/> when all is well, otherwise what is wrong and how to fix it.</summary>
    public void Add(Func<string?> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        lock (_checks)
        {
            _checks.Add(check);
        }
    }

    internal void Run()
    {
        Func<string?>[] checks;
        lock (_checks)
        {
            checks = [.. _checks];
        }

        var problems = checks.Select(c => c()).OfType<string>().ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, problems));
        }
    }
}

/// <summary>Runs <see cref="DurexStartupChecks"/> in the host's "started" phase, where a failure still fails <c>StartAsync</c>.</summary>
internal sealed class DurexStartupCheckService(DurexStartupChecks checks) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        checks.Run();
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
