using Durex.Hosting;
using Durex.PostgreSql;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Selects the PostgreSQL store in <c>services.AddDurex(o =&gt; o.UsePostgreSql(connectionString))</c>.</summary>
public static class PostgresDurexOptionsExtensions
{
    /// <summary>
    /// Uses a <see cref="PostgresStore"/> with its own data source built from <paramref name="connectionString"/>; the
    /// container disposes both.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    public static DurexOptions UsePostgreSql(this DurexOptions options, string connectionString, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var storeOptions = Configure(configure);
        return options.UseStore(_ => new PostgresStore(connectionString, storeOptions));
    }

    /// <summary>
    /// Uses a <see cref="PostgresStore"/> over <paramref name="dataSource"/>, which the caller keeps owning (the container
    /// disposes the store, not the data source).
    /// </summary>
    public static DurexOptions UsePostgreSql(this DurexOptions options, NpgsqlDataSource dataSource, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataSource);
        var storeOptions = Configure(configure);
        return options.UseStore(_ => new PostgresStore(dataSource, storeOptions));
    }

    /// <summary>
    /// Uses a <see cref="PostgresStore"/> over a data source taken from the container, e.g.
    /// <c>o.UsePostgreSql(sp =&gt; sp.GetRequiredService&lt;NpgsqlDataSource&gt;())</c> with Npgsql's <c>AddNpgsqlDataSource</c>.
    /// The data source stays owned by whoever registered it.
    /// </summary>
    public static DurexOptions UsePostgreSql(this DurexOptions options, Func<IServiceProvider, NpgsqlDataSource> dataSource,
        Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataSource);
        var storeOptions = Configure(configure);
        return options.UseStore(sp => new PostgresStore(dataSource(sp), storeOptions));
    }

    private static PostgresStoreOptions Configure(Action<PostgresStoreOptions>? configure)
    {
        var storeOptions = new PostgresStoreOptions();
        configure?.Invoke(storeOptions);
        return storeOptions;
    }
}
