using System.Collections.Concurrent;
using Durex.Storage;

namespace Durex.Sqlite;

/// <summary>
/// Wake-ups shared by every store opened on the same file (and table prefix) in this process, so an executor over one
/// store hears at once about work enqueued and commands cancelled through another.
/// </summary>
internal static class SqliteSignals
{
    private static readonly ConcurrentDictionary<string, StoreObservers> ByFile = new(StringComparer.Ordinal);

    public static StoreObservers For(string fileAndPrefix) => ByFile.GetOrAdd(fileAndPrefix, static _ => new StoreObservers());
}
