using System.Text;
using Durex.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durex.Hosting.Tests;

/// <summary>Real Generic Hosts for the tests: production environment, no log output, scope validation on.</summary>
internal static class TestHost
{
    /// <summary>Bounds waits on signals from handlers so a broken build fails instead of hanging; never an assertion on time.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    public static IHost Build(Action<HostApplicationBuilder> configure, string? json = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        // Resolving a scoped service from the root provider throws: proves attempts really run in scopes.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true }));
        if (json is not null)
        {
            builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        }

        configure(builder);
        return builder.Build();
    }

    public static Executor Executor(this IHost host) => host.Services.GetRequiredService<Executor>();

    public static async ValueTask DisposeAsyncNow(this IHost host) => await ((IAsyncDisposable)host).DisposeAsync();

    public static Task<T> Guard<T>(this TaskCompletionSource<T> source) => source.Task.WaitAsync(HangGuard);

    public static Task Guard(this Task task) => task.WaitAsync(HangGuard);

    public static Task<T> Guard<T>(this Task<T> task) => task.WaitAsync(HangGuard);
}

/// <summary>A temporary folder for SQLite files, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "durex-hosting-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>A real store (memory) whose statistics query can be made to fail or hang, and which counts its disposals.</summary>
internal sealed class FaultyStore(ICommandStore inner) : ICommandStore
{
    public volatile bool FailStatistics;
    public volatile bool HangStatistics;
    public readonly TaskCompletionSource StatisticsEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposals;

    public int Disposals => Volatile.Read(ref _disposals);

    public async ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default)
    {
        if (FailStatistics)
        {
            throw new InvalidOperationException("the disk is on fire");
        }

        if (HangStatistics)
        {
            StatisticsEntered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return await inner.GetStatisticsAsync(request, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref _disposals);
        await inner.DisposeAsync();
    }

    public volatile bool FailInitialize;

    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        FailInitialize ? ValueTask.FromException(new InvalidOperationException("the database is down")) : inner.InitializeAsync(cancellationToken);
    public ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default) => inner.EnqueueAsync(commands, cancellationToken);
    public ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default) => inner.ClaimAsync(request, cancellationToken);
    public ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default) => inner.ApplyAsync(outcomes, cancellationToken);
    public ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default) => inner.GetNextReadyAtAsync(names, cancellationToken);
    public ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) => inner.RenewLeasesAsync(leases, expiresAt, cancellationToken);
    public ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default) => inner.RescueExpiredLeasesAsync(now, exceptOwner, cancellationToken);
    public ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default) => inner.CancelAsync(id, now, reason, cancellationToken);
    public ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.CancelByTagAsync(tag, now, cancellationToken);
    public ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default) => inner.RequeueAsync(id, now, message, cancellationToken);
    public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default) => inner.PurgeAsync(request, cancellationToken);
    public ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);
    public ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(id, cancellationToken);
    public ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default) => inner.FindAsync(query, cancellationToken);
    public ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default) => inner.GetFanInChildrenAsync(continuationId, cancellationToken);
    public IDisposable Subscribe(IStoreObserver observer) => inner.Subscribe(observer);
}
