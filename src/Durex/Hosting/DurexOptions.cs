using Durex.Storage;

namespace Durex.Hosting;

/// <summary>
/// Durex under dependency injection: the store to use and the executor's settings. Set in
/// <c>services.AddDurex(o =&gt; ...)</c>, after the values read from configuration (when a section is given).
/// </summary>
/// <example><code>
/// builder.Services.AddDurex(builder.Configuration.GetSection("Durex"), o =>
/// {
///     o.UseSqlite("durex.db");
///     o.Executor.Parallelism = 8;
///     o.Executor.UseDeadLetterQueue();
/// });
/// </code></example>
public sealed class DurexOptions
{
    /// <summary>
    /// The executor's settings (see docs/configuration.md). Under dependency injection, <see cref="ExecutorOptions.LoggerFactory"/>,
    /// <see cref="ExecutorOptions.MeterFactory"/>, <see cref="ExecutorOptions.TimeProvider"/> and
    /// <see cref="ExecutorOptions.Services"/> default to the container's (its <c>ILoggerFactory</c>, <c>IMeterFactory</c>,
    /// <c>TimeProvider</c> and root provider) unless set here.
    /// </summary>
    public ExecutorOptions Executor { get; } = new();

    /// <summary>Creates the store; set by <see cref="UseStore"/>, <see cref="UseInMemory"/>, <c>UseSqlite</c> or <c>UsePostgreSql</c>.</summary>
    internal Func<IServiceProvider, ICommandStore>? StoreFactory { get; private set; }

    /// <summary>Problems found while reading configuration, reported together at startup.</summary>
    internal List<string> ConfigurationErrors { get; } = [];

    /// <summary>Executor option names set from configuration, with the configuration path that set them (for error messages).</summary>
    internal Dictionary<string, string> ConfiguredFrom { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Keeps commands in memory (<see cref="MemoryStore"/>): for development and tests; nothing survives the process.</summary>
    public DurexOptions UseInMemory() => UseStore(static _ => new MemoryStore());

    /// <summary>
    /// Uses the store <paramref name="factory"/> creates (once, as a singleton the container disposes). The store packages
    /// add shortcuts: <c>UseSqlite(path)</c> (Durex.Sqlite) and <c>UsePostgreSql(connectionString)</c> (Durex.PostgreSql).
    /// </summary>
    public DurexOptions UseStore(Func<IServiceProvider, ICommandStore> factory)
    {
        StoreFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Applies <paramref name="configure"/> to <see cref="Executor"/> (for fluent setup).</summary>
    public DurexOptions ConfigureExecutor(Action<ExecutorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Executor);
        return this;
    }
}
