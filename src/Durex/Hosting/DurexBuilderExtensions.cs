using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using Durex;
using Durex.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Handler registration on <see cref="IDurexBuilder"/>.</summary>
public static class DurexBuilderExtensions
{
    /// <summary>Adds <paramref name="configure"/> to the Durex options (runs after the configuration section, if any).</summary>
    public static IDurexBuilder Configure(this IDurexBuilder builder, Action<DurexOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Registers a handler (see <see cref="Executor.Handle"/>). Under dependency injection each attempt runs in its own
    /// scope: resolve scoped services from <see cref="CommandContext.Services"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    public static IDurexBuilder Handle(this IDurexBuilder builder, string name, CommandHandler handler, Action<CommandOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        CommandNames.Validate(name, nameof(name));
        ArgumentNullException.ThrowIfNull(handler);
        return Add(builder, (executor, _) => executor.Handle(name, handler, configure));
    }

    /// <summary>Registers a handler whose payload is read as <typeparamref name="T"/> (see <see cref="Executor.HandleTyped{T}"/>).</summary>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    public static IDurexBuilder HandleTyped<T>(this IDurexBuilder builder, string name, JsonTypeInfo<T> typeInfo, CommandHandler<T> handler,
        Action<CommandOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        CommandNames.Validate(name, nameof(name));
        ArgumentNullException.ThrowIfNull(typeInfo);
        ArgumentNullException.ThrowIfNull(handler);
        return Add(builder, (executor, _) => executor.HandleTyped(name, typeInfo, handler, configure));
    }

    /// <summary>
    /// Registers a class command created by the container: <typeparamref name="TCommand"/> is registered as scoped (unless
    /// already registered) and resolved from each attempt's scope, so its constructor can take scoped services (a
    /// DbContext) as well as singletons. Implementing <see cref="IRecoverableCommand"/> or <see cref="IExpirableCommand"/>
    /// adds those hooks, resolved the same way.
    /// </summary>
    /// <remarks>
    /// When the executor is created (at host start) one instance is resolved in a throw-away scope to read its
    /// <see cref="ICommandHandler.Name"/> and <see cref="ICommandHandler.Configure"/>. That is also the fail-fast check: a
    /// missing dependency fails the host's start with a message naming the command class and the missing service.
    /// </remarks>
    public static IDurexBuilder AddCommand<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCommand>(this IDurexBuilder builder)
        where TCommand : class, ICommandHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddScoped<TCommand>();
        return Add(builder, RegisterCommand<TCommand>);
    }

    /// <summary>Runs <paramref name="apply"/> on the host's executor when it is created.</summary>
    internal static IDurexBuilder Add(IDurexBuilder builder, Action<Executor, IServiceProvider> apply)
    {
        builder.Services.AddSingleton(new DurexHandlerRegistration(apply));
        return builder;
    }

    private static void RegisterCommand<TCommand>(Executor executor, IServiceProvider services)
        where TCommand : class, ICommandHandler
    {
        var scope = services.CreateAsyncScope();
        try
        {
            TCommand command;
            try
            {
                command = scope.ServiceProvider.GetRequiredService<TCommand>();
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException(
                    $"The Durex command class {typeof(TCommand).FullName} cannot be created from the container: {ex.Message}", ex);
            }

            executor.Handle(command.Name, (context, cancellationToken) => Resolve<TCommand>(context, services).ExecuteAsync(context, cancellationToken), options =>
            {
                command.Configure(options);
                if (command is IRecoverableCommand)
                {
                    options.OnRecover((context, error, cancellationToken) =>
                        ((IRecoverableCommand)Resolve<TCommand>(context, services)).RecoverAsync(context, error, cancellationToken));
                }

                if (command is IExpirableCommand)
                {
                    options.OnExpired((context, cancellationToken) =>
                        ((IExpirableCommand)Resolve<TCommand>(context, services)).ExpiredAsync(context, cancellationToken));
                }
            });
        }
        finally
        {
            var disposal = scope.DisposeAsync();
            if (!disposal.IsCompletedSuccessfully)
            {
                disposal.AsTask().GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>The instance for this attempt, from the attempt's scope (<see cref="CommandContext.Services"/>).</summary>
    private static TCommand Resolve<TCommand>(CommandContext context, IServiceProvider root)
        where TCommand : class, ICommandHandler =>
        (context.Services ?? root).GetRequiredService<TCommand>();
}
