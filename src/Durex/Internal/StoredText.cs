namespace Durex.Internal;

/// <summary>
/// The one character stored text cannot hold: PostgreSQL's <c>text</c> refuses NUL (<c>\0</c>). Input is refused with a
/// clear <see cref="ArgumentException"/> on every store alike, and text the engine writes itself (exception messages) has
/// it replaced, so a NUL can never turn into a database error that fails a query or blocks the outcomes of a batch.
/// </summary>
internal static class StoredText
{
    /// <summary>Throws when <paramref name="text"/> contains NUL; <paramref name="what"/> names the value in the message.</summary>
    public static void Check(string? text, string what, string paramName)
    {
        if (text is not null && text.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"{what} contains a NUL character (\\0), which stored text cannot hold (PostgreSQL refuses it), so no store accepts it.", paramName);
        }
    }

    /// <summary><paramref name="text"/> with every NUL replaced by U+FFFD, for text Durex writes on its own (error messages).</summary>
    public static string Clean(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
}
