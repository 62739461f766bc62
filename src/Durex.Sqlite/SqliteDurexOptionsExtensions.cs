using Durex.Hosting;
using Durex.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Selects the SQLite store in <c>services.AddDurex(o =&gt; o.UseSqlite("durex.db"))</c>.</summary>
public static class SqliteDurexOptionsExtensions
{
    /// <summary>
    /// Uses a <see cref="SqliteStore"/> on the database file at <paramref name="path"/> (created if needed), as a singleton
    /// the container disposes.
    /// </summary>
    /// <param name="options">The Durex options.</param>
    /// <param name="path">A file path, or a full connection string (<c>Data Source=…;…</c>).</param>
    /// <param name="configure">Table prefix, busy timeout, durability.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public static DurexOptions UseSqlite(this DurexOptions options, string path, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var storeOptions = new SqliteStoreOptions();
        configure?.Invoke(storeOptions);
        return options.UseStore(_ => new SqliteStore(path, storeOptions));
    }
}
