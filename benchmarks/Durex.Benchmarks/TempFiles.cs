namespace Durex.Benchmarks;

/// <summary>A fresh database file per run, in a directory deleted when the process exits.</summary>
internal static class TempFiles
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("durex-bench-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return directory;
    });

    private static int _next;

    public static string NewDatabase(string system) => Path.Combine(Root.Value, $"{system}-{Interlocked.Increment(ref _next)}.db");
}
