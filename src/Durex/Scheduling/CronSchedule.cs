using System.Collections.Concurrent;
using Cronos;

namespace Durex;

/// <summary>Cron expressions (parsed by Cronos), evaluated in a time zone with correct daylight-saving transitions.</summary>
public static class CronSchedule
{
    private static readonly ConcurrentDictionary<(string Expression, string? TimeZone), (CronExpression Cron, TimeZoneInfo Zone)> Cache = new();

    /// <summary>Throws a clear <see cref="ArgumentException"/> when the expression or the time zone is invalid.</summary>
    public static void Validate(string expression, string? timeZone = null) => Parse(expression, timeZone);

    /// <summary>True when the expression (5 fields, 6 with seconds, or a macro such as <c>@daily</c>) is valid.</summary>
    public static bool IsValid(string? expression, string? timeZone = null)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return false;
        }

        try
        {
            Parse(expression, timeZone);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or <see langword="null"/> when there is none.</summary>
    public static DateTimeOffset? Next(string expression, string? timeZone, DateTimeOffset after)
    {
        var (cron, zone) = Parse(expression, timeZone);
        return cron.GetNextOccurrence(after, zone);
    }

    private static (CronExpression Cron, TimeZoneInfo Zone) Parse(string expression, string? timeZone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        return Cache.GetOrAdd((expression, timeZone), static key =>
        {
            var text = key.Expression.Trim();
            var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            CronExpression cron;
            try
            {
                cron = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException ex)
            {
                throw new ArgumentException(
                    $"Invalid cron expression '{key.Expression}': {ex.Message} Use 5 fields (minute hour day month weekday), 6 with seconds first, or a macro such as @daily.",
                    nameof(expression), ex);
            }

            return (cron, ResolveZone(key.TimeZone));
        });
    }

    private static TimeZoneInfo ResolveZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id is "UTC" or "Etc/UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"Unknown time zone '{id}' for the cron schedule: use an IANA id such as 'Europe/Paris'.", "timeZone", ex);
        }
    }
}
