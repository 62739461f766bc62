using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durex.Hosting;

/// <summary>
/// Starts the container's <see cref="Executor"/> with the host and stops it gracefully with it. Resolving the executor
/// here (not in the constructor) makes a bad setting, a missing store or a class command whose dependencies cannot be
/// resolved fail <c>host.StartAsync</c> with a clear message.
/// </summary>
internal sealed class DurexHostedService(IServiceProvider services) : IHostedService
{
    private Executor? _executor;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _executor = services.GetRequiredService<Executor>();
        return _executor.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Graceful stop: running attempts get <see cref="ExecutorOptions.ShutdownTimeout"/> to finish. When the host's
    /// shutdown token fires first (<c>HostOptions.ShutdownTimeout</c>), they are cancelled at once and go back to pending.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        _executor?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
