using System.ComponentModel;
using System.Text.Json.Serialization.Metadata;
using Durex.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Durex.Generation;

/// <summary>
/// Helpers the Durex source generator's output calls; not meant for hand-written code. They keep the generated code
/// short and put every message a user may see in one place.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedCode
{
    /// <summary>Adapts a handler returning <see cref="Task"/>.</summary>
    public static async ValueTask<CommandResult> Done(Task task)
    {
        await task.ConfigureAwait(false);
        return CommandResult.Empty;
    }

    /// <summary>Adapts a handler returning <see cref="ValueTask"/>.</summary>
    public static ValueTask<CommandResult> Done(ValueTask task)
    {
        return task.IsCompletedSuccessfully ? new(CommandResult.Empty) : Await(task);

        static async ValueTask<CommandResult> Await(ValueTask task)
        {
            await task.ConfigureAwait(false);
            return CommandResult.Empty;
        }
    }

    /// <summary>Adapts a handler returning <c>Task&lt;CommandResult&gt;</c>.</summary>
    public static ValueTask<CommandResult> Done(Task<CommandResult> task) => new(task);

    /// <summary>Adapts a handler returning <see cref="CommandResult"/>.</summary>
    public static ValueTask<CommandResult> Done(CommandResult result) => new(result ?? CommandResult.Empty);

    /// <summary>Adapts a handler returning <c>ValueTask&lt;CommandResult&gt;</c>.</summary>
    public static ValueTask<CommandResult> Done(ValueTask<CommandResult> task) => task;

    /// <summary>
    /// The payload of the attempt, read with the generated metadata. A payload that does not match the type, or is JSON
    /// <c>null</c>, fails the command for good (<see cref="PermanentFailureException"/>): a retry reads the same bytes.
    /// </summary>
    public static T Payload<T>(CommandContext context, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.ReadTypedPayload(typeInfo) ?? throw new PermanentFailureException(
            $"Command {context.Name} ({context.Id}) has no {typeof(T).Name} payload: its data is JSON null.");
    }

    /// <summary>The metadata of <typeparamref name="T"/> from the user's context named by <see cref="DurexJsonContextAttribute"/>.</summary>
    public static JsonTypeInfo<T> FromContext<T>(System.Text.Json.Serialization.JsonSerializerContext context) =>
        context.GetTypeInfo(typeof(T)) as JsonTypeInfo<T> ?? throw new InvalidOperationException(
            $"{context.GetType().FullName} has no metadata for {typeof(T)}: add a [JsonSerializable(typeof(...))] line for that type to it.");

    /// <summary>A spec carrying <paramref name="payload"/>, with <paramref name="options"/> applied.</summary>
    public static CommandSpec Spec<T>(string name, T payload, JsonTypeInfo<T> typeInfo, string? uniqueKey, EnqueueOptions? options)
    {
        if (payload is null)
        {
            throw new ArgumentNullException(nameof(payload), $"Command {name} needs a {typeof(T).Name} payload; null was given.");
        }

        var spec = CommandSpec.Create(name, payload, typeInfo);
        spec.UniqueKey = uniqueKey;
        options?.ApplyTo(spec);
        return spec;
    }

    /// <summary>A spec without payload, with <paramref name="options"/> applied.</summary>
    public static CommandSpec Spec(string name, string? uniqueKey, EnqueueOptions? options)
    {
        var spec = new CommandSpec(name) { UniqueKey = uniqueKey };
        options?.ApplyTo(spec);
        return spec;
    }

    /// <summary>Enqueues <paramref name="spec"/>, with a clear error for a missing client.</summary>
    public static ValueTask<CommandInstance> EnqueueAsync(IDurexClient client, CommandSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.AddAsync(spec, cancellationToken);
    }

    /// <summary>Options for the generated <c>ScheduleAsync</c> stubs: a copy of <paramref name="options"/> with the run time set.</summary>
    public static EnqueueOptions At(EnqueueOptions? options, DateTimeOffset? runAt, TimeSpan? delay)
    {
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "The delay must not be negative.");
        }

        options ??= new EnqueueOptions();
        return options with { RunAt = runAt ?? options.RunAt, Delay = delay ?? options.Delay };
    }

    /// <summary>The attempt's services (its DI scope), or a message saying how to provide them.</summary>
    public static IServiceProvider Services(CommandContext context, string owner) =>
        context.Services ?? throw new InvalidOperationException(
            $"{owner} needs services to be created, but the executor has none: set ExecutorOptions.Services, or register " +
            "with services.AddDurex(...).AddGeneratedCommands().");

    /// <summary>A constructor argument of a handler class, resolved from the attempt's scope.</summary>
    public static T Require<T>(IServiceProvider services, string owner)
        where T : notnull =>
        services.GetService(typeof(T)) is T service
            ? service
            : throw new InvalidOperationException(
                $"{owner} needs a {typeof(T).FullName}, which is not registered in the service collection. Register it " +
                "(services.AddScoped/AddSingleton) or remove the constructor parameter.");

    /// <summary>
    /// Fails at registration, not at the first attempt, when a handler class's constructor needs services the
    /// executor cannot provide.
    /// </summary>
    public static void EnsureServices(Executor executor, string owner, params Type[] dependencies)
    {
        ArgumentNullException.ThrowIfNull(executor);
        if (dependencies.Length == 0)
        {
            return;
        }

        var services = executor.Options.Services ?? throw new InvalidOperationException(
            $"{owner} takes {string.Join(", ", dependencies.Select(d => d.FullName))} in its constructor, but the executor has " +
            "no services: set ExecutorOptions.Services, or register with services.AddDurex(...).AddGeneratedCommands().");
        if (services.GetService(typeof(IServiceProviderIsService)) is IServiceProviderIsService isService)
        {
            var missing = dependencies.Where(d => !isService.IsService(d)).Select(d => d.FullName).ToArray();
            if (missing.Length > 0)
            {
                throw new InvalidOperationException(
                    $"{owner} takes {string.Join(", ", missing)} in its constructor, which the service collection does not " +
                    "register. Register it (services.AddScoped/AddSingleton) or remove the constructor parameter.");
            }
        }
    }

    /// <summary>Runs <paramref name="register"/> on the host's executor when it is created.</summary>
    public static IDurexBuilder Register(IDurexBuilder builder, Action<Executor> register)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(register);
        return DurexBuilderExtensions.Add(builder, (executor, _) => register(executor));
    }
}
