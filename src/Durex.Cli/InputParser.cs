using System.Globalization;
using Durex.Storage;

namespace Durex.Cli;

/// <summary>
/// Turns option values into typed values, with the dashboard's vocabulary (statuses, orders, cursors, text limits),
/// refusing anything malformed with a <see cref="CliException"/> that says what to write instead.
/// </summary>
internal static class InputParser
{
    /// <summary>The dashboard's bound on filter text.</summary>
    public const int MaxTextLength = 500;

    public const int DefaultLimit = 50;

    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365 * 100);

    public static string StatusList => string.Join(", ", Enum.GetValues<CommandStatus>().Select(s => s.ToWireName()));

    public static Guid ParseId(string? text, string what = "command id")
    {
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        throw CliException.Usage($"'{Clip(text)}' is not a valid {what}: use a GUID such as 0199b3a8-5f2c-7c41-9a55-3b2f8e1d4c6a (the ID column of `durex list`).");
    }

    /// <summary>Statuses given as repeated options and/or comma-separated lists, any case, wire or enum names.</summary>
    public static IReadOnlyCollection<CommandStatus>? ParseStatuses(IEnumerable<string>? values)
    {
        var statuses = new HashSet<CommandStatus>();
        foreach (var value in values ?? [])
        {
            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!CommandStatusExtensions.TryParse(part, out var status))
                {
                    throw CliException.Usage($"--status '{Clip(part)}' is not a command status: use one or more of {StatusList} (any case; repeat --status or separate with commas).");
                }

                statuses.Add(status);
            }
        }

        return statuses.Count == 0 ? null : statuses.Order().ToArray();
    }

    public static CommandOrder ParseOrder(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "newest" or "newestfirst" => CommandOrder.NewestFirst,
        "oldest" or "oldestfirst" => CommandOrder.OldestFirst,
        _ => throw CliException.Usage($"--order '{Clip(text)}' is not an order: use 'newest' (the default) or 'oldest'."),
    };

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

        throw CliException.Usage($"--limit '{Clip(text)}' is not a page size: use a whole number from 1 to {CommandQuery.MaxLimit}.");
    }

    public static int ParseCount(string? text, string option, int defaultValue, int min, int max)
    {
        if (text is null)
        {
            return defaultValue;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        throw CliException.Usage($"{option} '{Clip(text)}' is not valid: use a whole number from {min} to {max}.");
    }

    public static string? ParseCursor(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (CommandCursor.TryDecode(text, out _))
        {
            return text;
        }

        throw CliException.Usage($"--cursor '{Clip(text)}' is not a cursor: pass the 'next cursor' of the previous page unchanged, or leave it out for the first page.");
    }

    public static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw CliException.Usage($"{option} '{Clip(text)}' is not a time: use ISO 8601, e.g. 2025-01-31T14:00:00Z (UTC when no offset is given).");
    }

    /// <summary>Filter text: trimmed, empty treated as absent, at most <see cref="MaxTextLength"/> characters.</summary>
    public static string? ParseText(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > MaxTextLength)
        {
            throw CliException.Usage($"{option} is {text.Length} characters long: at most {MaxTextLength} are allowed.");
        }

        return text.Trim();
    }

    /// <summary>
    /// A duration such as <c>30s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c>, <c>2w</c> or a combination (<c>1d12h</c>);
    /// <c>0</c> alone means zero.
    /// </summary>
    public static TimeSpan ParseDuration(string? text, string option)
    {
        if (TryParseDuration(text, out var duration))
        {
            if (duration > MaxDuration)
            {
                throw CliException.Usage($"{option} '{Clip(text)}' is longer than 100 years: use a shorter duration, or 0 for no age limit.");
            }

            return duration;
        }

        throw CliException.Usage($"{option} '{Clip(text)}' is not a duration: use a whole number and a unit, e.g. 30m, 12h, 7d " +
            "(units: s seconds, m minutes, h hours, d days, w weeks; combine them as 1d12h; 0 means no age limit).");
    }

    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var span = (text ?? "").Trim();
        if (span == "0")
        {
            return true;
        }

        if (span.Length == 0)
        {
            return false;
        }

        var ticks = 0m;
        var i = 0;
        while (i < span.Length)
        {
            var start = i;
            while (i < span.Length && char.IsAsciiDigit(span[i]))
            {
                i++;
            }

            // 18 digits fit a decimal exactly and are far beyond the 100-year bound.
            if (i == start || i - start > 18 || i == span.Length)
            {
                return false;
            }

            var number = decimal.Parse(span.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            var unit = span[i++] switch
            {
                's' => TimeSpan.TicksPerSecond,
                'm' => TimeSpan.TicksPerMinute,
                'h' => TimeSpan.TicksPerHour,
                'd' => TimeSpan.TicksPerDay,
                'w' => TimeSpan.TicksPerDay * 7,
                _ => 0L,
            };
            if (unit == 0)
            {
                return false;
            }

            ticks += number * unit;
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                duration = TimeSpan.MaxValue;
                return true;
            }
        }

        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>Bounds echoed input so an error message never carries a huge value.</summary>
    public static string Clip(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "…";
}
