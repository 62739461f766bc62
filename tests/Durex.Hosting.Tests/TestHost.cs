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

