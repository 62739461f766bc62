using System.Diagnostics.Metrics;
using Durex.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Durex.Hosting;

/// <summary>Builds the container's store and executor from <see cref="DurexOptions"/>.</summary>
internal static class ExecutorFactory
{
    public static ICommandStore CreateStore(IServiceProvider services)
    {
        // Reading the options validates them (OptionsValidationException listing every problem).
        var options = services.GetRequiredService<IOptions<DurexOptions>>().Value;
        var factory = options.StoreFactory ?? throw new InvalidOperationException(DurexOptionsValidator.NoStoreMessage);
        return factory(services) ?? throw new InvalidOperationException("The Durex store factory given to UseStore returned null.");
    }

    public static Executor CreateExecutor(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<DurexOptions>>().Value;
        var executorOptions = options.Executor;
        if (ReferenceEquals(executorOptions.LoggerFactory, NullLoggerFactory.Instance))
        {
            executorOptions.LoggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        }

        if (ReferenceEquals(executorOptions.TimeProvider, TimeProvider.System))
        {
            executorOptions.TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        }

        executorOptions.MeterFactory ??= services.GetService<IMeterFactory>();
        executorOptions.Services ??= services;

        var executor = new Executor(services.GetRequiredService<ICommandStore>(), executorOptions);
        try
        {
            foreach (var registration in services.GetServices<DurexHandlerRegistration>())
            {
                registration.Apply(executor, services);
            }
        }
        catch
        {
            // Not started, so this only releases the meter; the container never sees this instance.
            executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return executor;
    }
}
