using Durex;
using Durex.Hosting;
using Durex.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Durex in a service collection (Generic Host, ASP.NET Core, worker services).</summary>
public static class DurexServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store, the <see cref="Executor"/> (also as <see cref="IDurexClient"/>) and a hosted service that
    /// starts the executor with the host and stops it gracefully with it. Select a store in <paramref name="configure"/>
    /// (<c>o.UseSqlite(path)</c>, <c>o.UsePostgreSql(connectionString)</c>, <c>o.UseInMemory()</c>); register handlers on
    /// the returned builder.
    /// </summary>
    /// <remarks>
    /// Settings are validated when the host starts: an invalid value or a missing store selection fails
    /// <c>host.StartAsync</c> with an <see cref="OptionsValidationException"/> naming every problem. Calling it again adds
    /// <paramref name="configure"/> to the same registration.
    /// </remarks>
    public static IDurexBuilder AddDurex(this IServiceCollection services, Action<DurexOptions>? configure = null) =>
        AddDurex(services, null, configure, runExecutor: true);

    /// <summary>
    /// <see cref="AddDurex(IServiceCollection, Action{DurexOptions})"/> with settings read from
    /// <paramref name="configuration"/> (typically <c>builder.Configuration.GetSection("Durex")</c>) before
    /// <paramref name="configure"/> runs, so code wins over configuration. Unknown keys and unreadable values fail the
    /// host's start with their configuration path.
    /// </summary>
    public static IDurexBuilder AddDurex(this IServiceCollection services, IConfiguration configuration, Action<DurexOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddDurex(services, configuration, configure, runExecutor: true);
    }

    /// <summary>
    /// Registers only what enqueues and inspects commands: the store, and an <see cref="Executor"/> that is never started,
    /// exposed as <see cref="IDurexClient"/>. For a process (a web front end) whose commands run in another one: no hosted
    /// service, no handlers needed. Select the same store as the worker.
    /// </summary>
    public static IServiceCollection AddDurexClient(this IServiceCollection services, Action<DurexOptions>? configure = null)
    {
        AddDurex(services, null, configure, runExecutor: false);
        return services;
    }

    /// <summary><see cref="AddDurexClient(IServiceCollection, Action{DurexOptions})"/> with settings read from <paramref name="configuration"/> first.</summary>
    public static IServiceCollection AddDurexClient(this IServiceCollection services, IConfiguration configuration, Action<DurexOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddDurex(services, configuration, configure, runExecutor: false);
        return services;
    }

    private static DurexBuilder AddDurex(IServiceCollection services, IConfiguration? configuration, Action<DurexOptions>? configure, bool runExecutor)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DurexOptions>();
        if (configuration is not null)
        {
            options.Configure(o => DurexConfiguration.Apply(configuration, o));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurexOptions>, DurexOptionsValidator>());
        services.TryAddSingleton<ICommandStore>(ExecutorFactory.CreateStore);
        services.TryAddSingleton<Executor>(ExecutorFactory.CreateExecutor);
        services.TryAddSingleton<IDurexClient>(static sp => sp.GetRequiredService<Executor>());
        services.TryAddSingleton<DurexStartupChecks>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DurexStartupCheckService>());
        if (runExecutor)
        {
            // One instance, resolvable by its own type too (the health check asks whether the executor should run).
            services.TryAddSingleton<DurexHostedService>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DurexHostedService>(static sp => sp.GetRequiredService<DurexHostedService>()));
        }

        return new DurexBuilder(services);
    }
}
