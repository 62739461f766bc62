namespace Durex.Sqlite;

/// <summary>How a <see cref="SqliteStore"/> uses its database file.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Prefix of Durex's tables, so they can live beside an application's own. Default <c>durex_</c>.</summary>
    public string TablePrefix { get; set; } = "durex_";

    /// <summary>
    /// How long a write waits for another process holding the file's write lock before failing. Default 30 s.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <see langword="true"/> (the default) uses <c>synchronous=NORMAL</c> in WAL mode: a committed transaction survives
    /// a crash of the process, and the last transactions before a power loss may be lost. <see langword="false"/> uses
    /// <c>synchronous=FULL</c>: every commit is flushed to disk (slower).
    /// </summary>
    public bool RelaxedDurability { get; set; } = true;

    internal void Validate()
    {
        if (string.IsNullOrEmpty(TablePrefix) || !TablePrefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(TablePrefix[0]))
        {
            throw new ArgumentException($"TablePrefix '{TablePrefix}' must be ASCII letters, digits and underscores, not starting with a digit.", nameof(TablePrefix));
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"BusyTimeout must be between zero and one day (was {BusyTimeout}).", nameof(BusyTimeout));
        }
    }
}
