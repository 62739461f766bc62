using System.Globalization;
using System.Text;

namespace Durex.Cli;

/// <summary>A plain table: upper-case headers, columns padded to their widest cell, two spaces between columns.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Longest text of the last column (the free-text one); longer text is cut with an ellipsis.</summary>
    public int LastColumnWidth { get; init; } = Text.MaxCell;

    public void Add(params string?[] cells) =>
        _rows.Add(cells.Select((c, i) => Text.Cell(c, i == cells.Length - 1 ? LastColumnWidth : Text.MaxCell)).ToArray());

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        WriteRow(writer, headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            // The last column is not padded, so lines carry no trailing spaces.
            line.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
        }

        writer.WriteLine(line.ToString().TrimEnd());
    }
}

/// <summary>Formatting of values for the text output.</summary>
internal static class Text
{
    public const int MaxCell = 60;

    /// <summary>One line, control characters replaced, long text cut with an ellipsis.</summary>
    public static string Cell(string? value, int max = MaxCell)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "-";
        }

        var line = OneLine(value);
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    /// <summary>Newlines, tabs and other control characters become spaces, so a value cannot break the layout.</summary>
    public static string OneLine(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(char.IsControl(c) ? ' ' : c);
        }

        return text.ToString().Trim();
    }

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";

    /// <summary>The precise form for details: ISO 8601 with milliseconds, UTC.</summary>
    public static string Instant(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A duration as people read it: 850 ms, 12.3 s, 5m 12s, 3h 4m, 2d 3h.</summary>
    public static string Duration(TimeSpan? duration)
    {
        if (duration is not { } d)
        {
            return "-";
        }

        if (d < TimeSpan.Zero)
        {
            d = TimeSpan.Zero;
        }

        return d.TotalSeconds switch
        {
            < 1 => FormattableString.Invariant($"{d.TotalMilliseconds:0} ms"),
            < 60 => FormattableString.Invariant($"{d.TotalSeconds:0.#} s"),
            < 3600 => FormattableString.Invariant($"{d.Minutes}m {d.Seconds}s"),
            < 86400 => FormattableString.Invariant($"{d.Hours}h {d.Minutes}m"),
            _ => FormattableString.Invariant($"{(long)d.TotalDays}d {d.Hours}h"),
        };
    }

    /// <summary>A message as one sentence ending with a full stop, so text can follow it.</summary>
    public static string Sentence(string message)
    {
        var text = OneLine(message);
        return text.Length == 0 || text[^1] is '.' or '!' or '?' ? text : text + ".";
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
