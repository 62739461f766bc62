using System.Globalization;

namespace Durex.Benchmarks;

/// <summary>One measured figure set: printed as one machine-readable line and one row of the final table.</summary>
internal sealed class Result(string lib, string scenario, string store, int jobs, int workers)
{
    private readonly List<(string Key, string Value)> _figures = [];

    public string Lib { get; } = lib;

    public string Scenario { get; } = scenario;

    public string Store { get; } = store;

    public int Jobs { get; } = jobs;

    public int Workers { get; } = workers;

    /// <summary>A variant of the scenario (enqueue: single or bulk; workflow: sequence or fan-out; scale: rows already there).</summary>
    public string? Mode { get; init; }

    /// <summary>Why the figures cannot be trusted (wrong count, timeout, duplicates), or why the scenario does not apply.</summary>
    public string? Problem { get; set; }

    /// <summary>True when the library has no such feature (reported, not a failure).</summary>
    public bool NotApplicable { get; init; }

    /// <summary>The figure compared between the libraries, and whether more is better.</summary>
    public (string Key, bool HigherIsBetter)? Compared { get; init; }

    public IReadOnlyList<(string Key, string Value)> Figures => _figures;

    public Result Add(string key, double value, string format = "F0")
    {
        _figures.Add((key, value.ToString(format, CultureInfo.InvariantCulture)));
        return this;
    }

    public Result Add(string key, string value)
    {
        _figures.Add((key, value));
        return this;
    }

    public double? Figure(string key) =>
        _figures.Where(f => f.Key == key).Select(f => double.TryParse(f.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null).FirstOrDefault();

    public bool Failed => Problem is not null && !NotApplicable;

    public string Line()
    {
        var parts = new List<string> { $"lib={Lib}", $"scenario={Scenario}" };
        if (Mode is not null)
        {
            parts.Add($"mode={Mode}");
        }

        parts.Add($"store={Store}");
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"jobs={Jobs}"));
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"workers={Workers}"));
        parts.AddRange(_figures.Select(f => $"{f.Key}={f.Value}"));
        if (Problem is not null)
        {
            parts.Add($"{(NotApplicable ? "not_applicable" : "problem")}=\"{Problem.Replace("\"", "'", StringComparison.Ordinal)}\"");
        }

        return string.Join(' ', parts);
    }
}
