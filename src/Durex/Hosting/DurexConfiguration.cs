using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Durex.Hosting;

/// <summary>
/// Reads the executor's settings from a configuration section (appsettings.json's <c>"Durex"</c>) without the reflection
/// binder: every key is known, every value parsed here, and every problem (bad value, unknown key) is collected with its
/// path so the host fails to start with all of them at once.
/// </summary>
internal static class DurexConfiguration
{
    private delegate void Reader(IConfigurationSection section, DurexOptions options);

    private static readonly Dictionary<string, Reader> Settings = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(ExecutorOptions.Parallelism)] = (s, o) => Int(s, o, v => o.Executor.Parallelism = v),
        [nameof(ExecutorOptions.DefaultRetries)] = (s, o) => Int(s, o, v => o.Executor.DefaultRetries = v),
        [nameof(ExecutorOptions.DefaultTimeout)] = (s, o) => OptionalDuration(s, o, v => o.Executor.DefaultTimeout = v),
        [nameof(ExecutorOptions.DefaultPeriod)] = (s, o) => Duration(s, o, v => o.Executor.DefaultPeriod = v),
        [nameof(ExecutorOptions.ShutdownTimeout)] = (s, o) => Duration(s, o, v => o.Executor.ShutdownTimeout = v),
        [nameof(ExecutorOptions.PollInterval)] = (s, o) => Duration(s, o, v => o.Executor.PollInterval = v),
        [nameof(ExecutorOptions.ClaimBatchSize)] = (s, o) => Int(s, o, v => o.Executor.ClaimBatchSize = v),
        [nameof(ExecutorOptions.ApplyBatchSize)] = (s, o) => Int(s, o, v => o.Executor.ApplyBatchSize = v),
        [nameof(ExecutorOptions.LeaseDuration)] = (s, o) => Duration(s, o, v => o.Executor.LeaseDuration = v),
        [nameof(ExecutorOptions.RescueInterval)] = (s, o) => OptionalDuration(s, o, v => o.Executor.RescueInterval = v),
        [nameof(ExecutorOptions.StatisticsInterval)] = (s, o) => Duration(s, o, v => o.Executor.StatisticsInterval = v),
        [nameof(ExecutorOptions.InstanceName)] = (s, o) => Text(s, o, v => o.Executor.InstanceName = v),
        [nameof(ExecutorOptions.DeadLetterQueue)] = (s, o) => Bool(s, o, v => o.Executor.DeadLetterQueue = v),
        [nameof(ExecutorOptions.GlobalConcurrencyLimit)] = (s, o) => OptionalInt(s, o, v => o.Executor.GlobalConcurrencyLimit = v),
        [nameof(ExecutorOptions.MaxPayloadBytes)] = (s, o) => Int(s, o, v => o.Executor.MaxPayloadBytes = v),
        [nameof(ExecutorOptions.MaxRescues)] = (s, o) => Int(s, o, v => o.Executor.MaxRescues = v),
        [nameof(ExecutorOptions.ConcurrencyLimits)] = ReadConcurrencyLimits,
        [nameof(ExecutorOptions.Retention)] = ReadRetention,
    };

    private static readonly Dictionary<string, Reader> RetentionSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(RetentionOptions.CleanupInterval)] = (s, o) => OptionalDuration(s, o, v => o.Executor.Retention.CleanupInterval = v),
        [nameof(RetentionOptions.Completed)] = (s, o) => OptionalDuration(s, o, v => o.Executor.Retention.Completed = v),
        [nameof(RetentionOptions.Failed)] = (s, o) => OptionalDuration(s, o, v => o.Executor.Retention.Failed = v),
        [nameof(RetentionOptions.Expired)] = (s, o) => OptionalDuration(s, o, v => o.Executor.Retention.Expired = v),
        [nameof(RetentionOptions.Cancelled)] = (s, o) => OptionalDuration(s, o, v => o.Executor.Retention.Cancelled = v),
        [nameof(RetentionOptions.DeadLetter)] = (s, o) => OptionalDuration(s, o, v => o.Executor.Retention.DeadLetter = v),
        [nameof(RetentionOptions.BatchSize)] = (s, o) => Int(s, o, v => o.Executor.Retention.BatchSize = v),
    };

    /// <summary>Applies <paramref name="section"/> to <paramref name="options"/>; problems go to <see cref="DurexOptions.ConfigurationErrors"/>.</summary>
    public static void Apply(IConfiguration section, DurexOptions options)
    {
        ReadSection(section, options, Settings, SectionName(section));
    }

    private static void ReadSection(IConfiguration section, DurexOptions options, Dictionary<string, Reader> settings, string path)
    {
        foreach (var child in section.GetChildren())
        {
            if (settings.TryGetValue(child.Key, out var read))
            {
                read(child, options);
                continue;
            }

            var suggestion = Closest(child.Key, settings.Keys) is { } closest ? $" Did you mean '{closest}'?" : "";
            options.ConfigurationErrors.Add(
                $"{child.Path} is not a Durex setting.{suggestion} Known settings under {path}: {string.Join(", ", settings.Keys)}.");
        }
    }

    private static string SectionName(IConfiguration section) => section is IConfigurationSection s ? s.Path : "the configuration root";

    private static void ReadConcurrencyLimits(IConfigurationSection section, DurexOptions options)
    {
        if (!IsSection(section, options, "an object of command name → limit, e.g. { \"sendEmail\": 5 }"))
        {
            return;
        }

        foreach (var limit in section.GetChildren())
        {
            // Configuration keys are case-insensitive but command names are not: the key is used as spelled in the file.
            Int(limit, options, v => options.Executor.ConcurrencyLimits[limit.Key] = v, record: false);
        }

        options.ConfiguredFrom[nameof(ExecutorOptions.ConcurrencyLimits)] = section.Path;
    }

    private static void ReadRetention(IConfigurationSection section, DurexOptions options)
    {
        if (IsSection(section, options, "an object with " + string.Join(", ", RetentionSettings.Keys)))
        {
            ReadSection(section, options, RetentionSettings, section.Path);
        }
    }

    private static bool IsSection(IConfigurationSection section, DurexOptions options, string expected)
    {
        if (section.Value is { Length: > 0 } value)
        {
            options.ConfigurationErrors.Add($"{section.Path}: '{value}' is not valid here; expected {expected}.");
            return false;
        }

        return true;
    }

    /// <summary>The value of a setting, or an error when the key holds a section instead.</summary>
    private static bool TryValue(IConfigurationSection section, DurexOptions options, out string? value)
    {
        value = section.Value;
        if (value is null && section.GetChildren().Any())
        {
            options.ConfigurationErrors.Add($"{section.Path} must be a single value, not a section.");
            return false;
        }

        return true;
    }

    private static void Record(IConfigurationSection section, DurexOptions options) =>
        options.ConfiguredFrom[section.Key] = section.Path;

    private delegate bool Parser<T>(string? text, out T value, out string problem);

    /// <summary>Reads one setting with <paramref name="parse"/>; a value it rejects becomes an error naming the key's path.</summary>
    private static void Read<T>(IConfigurationSection section, DurexOptions options, Parser<T> parse, Action<T> set, bool record = true)
    {
        if (!TryValue(section, options, out var value))
        {
            return;
        }

        if (parse(value, out var parsed, out var problem))
        {
            set(parsed);
            if (record)
            {
                Record(section, options);
            }
        }
        else
        {
            options.ConfigurationErrors.Add($"{section.Path}: {problem}");
        }
    }

    /// <summary>Reads a setting that may also be empty or <c>none</c> (no value).</summary>
    private static void ReadOptional<T>(IConfigurationSection section, DurexOptions options, Parser<T> parse, Action<T?> set)
        where T : struct
    {
        if (TryValue(section, options, out var value) && IsNone(value))
        {
            set(null);
            Record(section, options);
        }
        else
        {
            Read(section, options, parse, v => set(v));
        }
    }

    private static void Int(IConfigurationSection section, DurexOptions options, Action<int> set, bool record = true) =>
        Read(section, options, ParseInt, set, record);

    private static void OptionalInt(IConfigurationSection section, DurexOptions options, Action<int?> set) =>
        ReadOptional<int>(section, options, ParseInt, set);

    private static void Bool(IConfigurationSection section, DurexOptions options, Action<bool> set) =>
        Read(section, options, ParseBool, set);

    private static void Duration(IConfigurationSection section, DurexOptions options, Action<TimeSpan> set) =>
        Read(section, options, TryParseDuration, set);

    private static void OptionalDuration(IConfigurationSection section, DurexOptions options, Action<TimeSpan?> set) =>
        ReadOptional<TimeSpan>(section, options, TryParseDuration, set);

    private static void Text(IConfigurationSection section, DurexOptions options, Action<string?> set)
    {
        if (TryValue(section, options, out var value))
        {
            set(string.IsNullOrWhiteSpace(value) ? null : value);
            Record(section, options);
        }
    }

    private static bool ParseInt(string? text, out int value, out string problem)
    {
        problem = $"'{text}' is not an integer.";
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static bool ParseBool(string? text, out bool value, out string problem)
    {
        problem = $"'{text}' is not true or false.";
        return bool.TryParse(text, out value);
    }

    /// <summary>Empty (JSON <c>null</c>) or <c>none</c>: no value (no timeout, keep forever, cleanup disabled…).</summary>
    private static bool IsNone(string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Trim().Equals("none", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A duration as a .NET TimeSpan (<c>00:00:30</c>, <c>1.00:00:00</c>) or a number with a unit (<c>250ms</c>, <c>30s</c>,
    /// <c>5m</c>, <c>2h</c>, <c>7d</c>). A bare number is refused: <c>TimeSpan.Parse("30")</c> is thirty days.
    /// </summary>
    internal static bool TryParseDuration(string? text, out TimeSpan value, out string problem)
    {
        value = default;
        var trimmed = text?.Trim() ?? "";
        var hint = "use a TimeSpan ('00:00:30', '1.00:00:00') or a number with a unit ('250ms', '30s', '5m', '2h', '7d')";
        if (trimmed.Length == 0)
        {
            problem = $"a duration is required; {hint}.";
            return false;
        }

        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            problem = $"'{trimmed}' has no unit; {hint}.";
            return false;
        }

        foreach (var (suffix, unit) in Units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(trimmed[..^suffix.Length].TrimEnd(), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                var ticks = amount * unit.Ticks;
                if (double.IsFinite(ticks) && Math.Abs(ticks) <= TimeSpan.MaxValue.Ticks)
                {
                    value = TimeSpan.FromTicks((long)ticks);
                    problem = "";
                    return true;
                }

                problem = $"'{trimmed}' is out of range.";
                return false;
            }
        }

        if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out value))
        {
            problem = "";
            return true;
        }

        problem = $"'{trimmed}' is not a duration; {hint}.";
        return false;
    }

    // Longest suffixes first, so "ms" is not read as "s".
    private static readonly (string Suffix, TimeSpan Unit)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds(1)), ("s", TimeSpan.FromSeconds(1)), ("m", TimeSpan.FromMinutes(1)),
        ("h", TimeSpan.FromHours(1)), ("d", TimeSpan.FromDays(1)),
    ];

    /// <summary>The known key nearest to a typo (edit distance at most 2), if any.</summary>
    private static string? Closest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in known)
        {
            var distance = Distance(key.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
