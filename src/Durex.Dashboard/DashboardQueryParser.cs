using System.Globalization;
using Durex.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Durex.Dashboard;

/// <summary>Turns query strings into store queries, refusing anything malformed with a message that says what to fix.</summary>
internal static class DashboardQueryParser
{
    public const int DefaultLimit = 50;
    public const int MaxTextLength = 500;

    private static readonly string[] CommandKeys =
        ["status", "name", "tag", "correlationId", "parentId", "search", "createdFrom", "createdBefore", "order", "limit", "cursor"];

    private static readonly string[] DeadLetterKeys = ["name", "tag", "correlationId", "search", "createdFrom", "createdBefore", "order", "limit", "cursor"];

    public static string StatusList => string.Join(", ", Enum.GetValues<CommandStatus>().Select(s => s.ToWireName()));

    public static CommandQuery ParseCommands(IQueryCollection query) => Parse(query, CommandKeys, null);

    public static CommandQuery ParseDeadLetters(IQueryCollection query) => Parse(query, DeadLetterKeys, [CommandStatus.DeadLetter]);

    private static CommandQuery Parse(IQueryCollection query, string[] known, CommandStatus[]? statuses)
    {
        foreach (var key in query.Keys)
        {
            if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw DashboardRequestException.BadRequest(
                    $"Unknown query parameter '{Clip(key)}'. Known parameters: {string.Join(", ", known)}.");
            }
        }

        return new CommandQuery
        {
            Statuses = statuses ?? ParseStatuses(query["status"]),
            Name = Text(query, "name"),
            Tag = Text(query, "tag"),
            CorrelationId = Text(query, "correlationId"),
            ParentId = Single(query, "parentId") is { } parent ? ParseId(parent, "parentId") : null,
            Search = Text(query, "search"),
            CreatedFrom = Time(query, "createdFrom"),
            CreatedBefore = Time(query, "createdBefore"),
            Order = ParseOrder(Single(query, "order")),
            Limit = ParseLimit(Single(query, "limit")),
            Cursor = ParseCursor(Single(query, "cursor")),
        };
    }

    public static Guid ParseId(string? text, string what = "id")
    {
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        throw DashboardRequestException.BadRequest(
            $"'{Clip(text)}' is not a valid {what}: use a command id, a GUID such as 0199b3a8-5f2c-7c41-9a55-3b2f8e1d4c6a.");
    }

    public static int ParseLimit(string? text)
    {
        if (text is null)
        {
            return DefaultLimit;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= CommandQuery.MaxLimit)
        {
            return limit;
        }

        throw DashboardRequestException.BadRequest($"limit '{Clip(text)}' is not a page size: use a whole number from 1 to {CommandQuery.MaxLimit}.");
    }

    private static IReadOnlyCollection<CommandStatus>? ParseStatuses(StringValues values)
    {
        var statuses = new HashSet<CommandStatus>();
        foreach (var value in values)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!CommandStatusExtensions.TryParse(part, out var status))
                {
                    throw DashboardRequestException.BadRequest($"status '{Clip(part)}' is not a command status: use one or more of {StatusList} (comma-separated).");
                }

                statuses.Add(status);
            }
        }

        return statuses.Count == 0 ? null : statuses.Order().ToArray();
    }

    private static CommandOrder ParseOrder(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "newest" or "newestfirst" => CommandOrder.NewestFirst,
        "oldest" or "oldestfirst" => CommandOrder.OldestFirst,
        _ => throw DashboardRequestException.BadRequest($"order '{Clip(text)}' is not an order: use 'newest' (the default) or 'oldest'."),
    };

    private static string? ParseCursor(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (CommandCursor.TryDecode(text, out _))
        {
            return text;
        }

        throw DashboardRequestException.BadRequest($"cursor '{Clip(text)}' is not a cursor: pass the nextCursor of the previous page unchanged, or leave it out for the first page.");
    }

    private static DateTimeOffset? Time(IQueryCollection query, string key)
    {
        var text = Single(query, key);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw DashboardRequestException.BadRequest($"{key} '{Clip(text)}' is not a time: use ISO 8601, e.g. 2025-01-31T14:00:00Z.");
    }

    private static string? Text(IQueryCollection query, string key)
    {
        var text = Single(query, key);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > MaxTextLength)
        {
            throw DashboardRequestException.BadRequest($"{key} is {text.Length} characters long: at most {MaxTextLength} are allowed.");
        }

        return text.Trim();
    }

    private static string? Single(IQueryCollection query, string key)
    {
        var values = query[key];
        if (values.Count > 1)
        {
            throw DashboardRequestException.BadRequest($"{key} is given {values.Count} times: give it once.");
        }

        return values.Count == 0 ? null : values[0];
    }

    /// <summary>Bounds echoed input so an error message never carries a huge value.</summary>
    public static string Clip(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "…";
}
