using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Durex.Storage;

/// <summary>Sort order of query results (keyset-paged on creation time, then id).</summary>
public enum CommandOrder
{
    /// <summary>Most recently created first.</summary>
    NewestFirst = 0,

    /// <summary>Oldest first (workflow timelines).</summary>
    OldestFirst = 1,
}

/// <summary>Filters for <see cref="ICommandStore.FindAsync"/>. Every filter is optional; all given filters must match.</summary>
public sealed record CommandQuery
{
    /// <summary>Largest page size a store serves.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Any of these statuses.</summary>
    public IReadOnlyCollection<CommandStatus>? Statuses { get; init; }

    /// <summary>Exact handler name.</summary>
    public string? Name { get; init; }

    /// <summary>Carries this tag.</summary>
    public string? Tag { get; init; }

    /// <summary>Exact correlation id.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Spawned by this command.</summary>
    public Guid? ParentId { get; init; }

    /// <summary>Case-insensitive text contained in the error message or the payload.</summary>
    public string? Search { get; init; }

    /// <summary>
    /// With <see cref="Search"/>: examine at most this many commands — the next ones in sort order from the cursor,
    /// whatever the other filters — for one page. Text has no index, so an unbounded search for rare text reads every
    /// payload; a window bounds each page's cost. When the window ends before the page fills, the page ends early with
    /// <see cref="CommandPage.SearchWindowEnded"/> set and a <see cref="CommandPage.NextCursor"/> after the window, so the
    /// next page searches the next window. Ignored with <see cref="CorrelationId"/> or <see cref="ParentId"/> (indexed,
    /// small sets: searched whole). Null (the default) searches to the end.
    /// </summary>
    public int? SearchWindow { get; init; }

    /// <summary>Whether stores bound this query by <see cref="SearchWindow"/> (text to search, no narrow indexed filter).</summary>
    public bool IsSearchWindowed =>
        SearchWindow is not null && !string.IsNullOrWhiteSpace(Search) && CorrelationId is null && ParentId is null;

    /// <summary>Created at or after.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Created strictly before.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Sort order.</summary>
    public CommandOrder Order { get; init; }

    /// <summary>Page size, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Opaque cursor from <see cref="CommandPage.NextCursor"/> to continue after.</summary>
    public string? Cursor { get; init; }

    /// <summary>Throws a clear <see cref="ArgumentException"/> for an invalid page size or cursor.</summary>
    public void Validate()
    {
        if (Limit is < 1 or > MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, $"Page size must be between 1 and {MaxLimit}.");
        }

        if (SearchWindow is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SearchWindow), SearchWindow, "The search window must be at least 1 command (or null to search to the end).");
        }

        if (Cursor is not null && !CommandCursor.TryDecode(Cursor, out _))
        {
            throw new ArgumentException($"Cursor '{Cursor}' is not a cursor returned by a previous page.", nameof(Cursor));
        }

        // No stored value can contain NUL (enqueue refuses it), and PostgreSQL would fail the query on it.
        Internal.StoredText.Check(Name, "The name filter", nameof(Name));
        Internal.StoredText.Check(Tag, "The tag filter", nameof(Tag));
        Internal.StoredText.Check(CorrelationId, "The correlation id filter", nameof(CorrelationId));
        Internal.StoredText.Check(Search, "The search text", nameof(Search));
    }
}

/// <summary>One page of query results.</summary>
/// <param name="Items">The commands on this page.</param>
/// <param name="NextCursor">Pass it as <see cref="CommandQuery.Cursor"/> for the next page; null on the last page.</param>
public sealed record CommandPage(IReadOnlyList<CommandInstance> Items, string? NextCursor)
{
    /// <summary>
    /// The page ended because <see cref="CommandQuery.SearchWindow"/> commands were examined, not because the results
    /// ran out: it may hold fewer items than the limit (even none), and <see cref="NextCursor"/> searches on.
    /// </summary>
    public bool SearchWindowEnded { get; init; }

    /// <summary>
    /// The page for <paramref name="query"/> from up to <c>Limit + 1</c> matches in sort order (the extra one only says
    /// a next page exists), given the last command of the search window when the store stopped at one.
    /// </summary>
    public static CommandPage From(List<CommandInstance> matches, CommandQuery query, CommandCursor? windowEnd)
    {
        ArgumentNullException.ThrowIfNull(matches);
        ArgumentNullException.ThrowIfNull(query);
        if (matches.Count > query.Limit)
        {
            matches.RemoveAt(matches.Count - 1);
            return new CommandPage(matches, CommandCursor.After(matches[^1]).Encode());
        }

        return windowEnd is { } end
            ? new CommandPage(matches, end.Encode()) { SearchWindowEnded = true }
            : new CommandPage(matches, null);
    }
}

/// <summary>Keyset cursor over (creation time, id), shared by every store so cursors look the same everywhere.</summary>
public readonly record struct CommandCursor(DateTimeOffset CreatedAt, Guid Id)
{
    /// <summary>The cursor positioned after <paramref name="command"/>.</summary>
    public static CommandCursor After(CommandInstance command) => new(command.CreatedAt, command.Id);

    /// <summary>Opaque URL-safe text.</summary>
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[24];
        BinaryPrimitives.WriteInt64BigEndian(bytes, CreatedAt.UtcTicks);
        Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static bool TryDecode([NotNullWhen(true)] string? text, out CommandCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length != 32)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[24];
        var base64 = text.Replace('-', '+').Replace('_', '/');
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != 24)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new CommandCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..], bigEndian: true));
        return true;
    }
}
