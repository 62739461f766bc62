using System.Text.RegularExpressions;

namespace Durex.PostgreSql;

/// <summary>Options of <see cref="PostgresStore"/>.</summary>
public sealed partial class PostgresStoreOptions
{
    /// <summary>The schema holding Durex's tables (created by <see cref="PostgresStore.InitializeAsync"/>). Default <c>durex</c>.</summary>
    public string Schema { get; set; } = "durex";

    /// <summary>
    /// Prefix of the table, index and notification channel names (e.g. <c>app1_</c>), so several independent Durex
    /// installations can share one schema. Default: none.
    /// </summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>
    /// Enqueues of more commands than this use binary <c>COPY</c>; smaller ones use one multi-row <c>INSERT</c>.
    /// Default 64.
    /// </summary>
    public int CopyThreshold { get; set; } = 64;

    /// <summary>
    /// Applied to a connection string given to <see cref="PostgresStore(string, PostgresStoreOptions?)"/> that does not set
    /// <c>Max Auto Prepare</c>: the store's statements are then prepared on every connection. Default 64 (0 leaves it off).
    /// </summary>
    public int MaxAutoPrepare { get; set; } = 64;

    internal void Validate()
    {
        if (!Identifier().IsMatch(Schema))
        {
            throw new ArgumentException($"Schema name '{Schema}' must be a plain identifier (letters, digits, underscores; at most 40 characters).", nameof(Schema));
        }

        if (TablePrefix.Length > 0 && !Prefix().IsMatch(TablePrefix))
        {
            throw new ArgumentException($"Table prefix '{TablePrefix}' must consist of letters, digits and underscores (at most 20 characters).", nameof(TablePrefix));
        }

        if (CopyThreshold < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CopyThreshold), CopyThreshold, "Must be at least 1.");
        }

        if (MaxAutoPrepare < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAutoPrepare), MaxAutoPrepare, "Must not be negative.");
        }
    }

    // \z, not $: "$" also matches before a final newline, which would let "durex\n" through.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,39}\z")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^[A-Za-z0-9_]{1,20}\z")]
    private static partial Regex Prefix();
}
