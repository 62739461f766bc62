using System.Globalization;
using Prometheus;

namespace Durex.Prometheus;

/// <summary>
/// Settings of <see cref="DurexPrometheusMetrics"/>: the metric names (namespace and subsystem, as in the Go library's
/// <c>WithPrometheusNamespace</c> and <c>WithPrometheusSubsystem</c>), the histogram buckets and the registry.
/// </summary>
public sealed class DurexPrometheusOptions
{
    /// <summary>The buckets used when <see cref="Buckets"/> is not set: Prometheus's default buckets, as in the Go library (seconds).</summary>
    public static IReadOnlyList<double> DefaultBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>
    /// First part of every metric name (default <c>durex</c>): names are <c>&lt;namespace&gt;_&lt;subsystem&gt;_&lt;metric&gt;</c>,
    /// empty parts left out. Letters, digits and underscores, not starting with a digit; null or empty for none.
    /// </summary>
    public string? Namespace { get; set; } = "durex";

    /// <summary>Second part of every metric name (default none). Same rules as <see cref="Namespace"/>.</summary>
    public string? Subsystem { get; set; }

    /// <summary>
    /// Upper bounds (seconds) of the buckets of the duration, wait and claim histograms, strictly increasing and finite
    /// (the <c>+Inf</c> bucket is always added). Null for <see cref="DefaultBuckets"/>.
    /// </summary>
    public IReadOnlyList<double>? Buckets { get; set; }

    /// <summary>
    /// Adds an <c>outcome</c> label (completed, repeating, retrying, failed, cancelled, interrupted) to the duration
    /// histogram, e.g. to measure successful attempts only as the Go library did. Off by default: the Go labels
    /// (<c>command</c> only).
    /// </summary>
    public bool DurationByOutcome { get; set; }

    /// <summary>The registry the collectors are created in. Default: <see cref="Metrics.DefaultRegistry"/>.</summary>
    public CollectorRegistry Registry { get; set; } = Metrics.DefaultRegistry;

    /// <summary>
    /// How long a scrape waits for the executor's statistics (queue size, dead letters…) before exporting the previous
    /// values (and counting a refresh failure). Measured on the executor's <see cref="ExecutorOptions.TimeProvider"/>. Default 5 seconds.
    /// </summary>
    public TimeSpan StatisticsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The prefix of every name, with its trailing underscore (<c>durex_</c> by default; empty with no namespace and no subsystem).</summary>
    internal string Prefix
    {
        get
        {
            var parts = new[] { Namespace, Subsystem }.Where(p => !string.IsNullOrEmpty(p));
            var prefix = string.Join('_', parts);
            return prefix.Length == 0 ? "" : prefix + "_";
        }
    }

    internal double[] ResolvedBuckets => [.. Buckets ?? DefaultBuckets];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and how to fix it.</summary>
    internal void Validate()
    {
        CheckNamePart(Namespace, nameof(Namespace));
        CheckNamePart(Subsystem, nameof(Subsystem));
        if (Prefix.StartsWith("__", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Metric names may not start with '__' (reserved by Prometheus): change {nameof(Namespace)} '{Namespace}' or {nameof(Subsystem)} '{Subsystem}'.",
                nameof(Namespace));
        }

        // prometheus-net's MeterAdapter (on by default for the default registry) publishes the "Durex" meter as durex_durex_*:
        // with this prefix our gauges would share its collectors (or clash with its label names).
        if (string.Equals(Prefix, "durex_durex_", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                "The prefix 'durex_durex_' is the one prometheus-net's MeterAdapter gives the Durex meter's instruments: choose another " +
                $"{nameof(Namespace)} or {nameof(Subsystem)}.",
                nameof(Subsystem));
        }

        if (Buckets is { } buckets)
        {
            if (buckets.Count == 0)
            {
                throw new ArgumentException($"{nameof(Buckets)} is empty: give at least one upper bound, or null for the default buckets.", nameof(Buckets));
            }

            for (var i = 0; i < buckets.Count; i++)
            {
                if (!double.IsFinite(buckets[i]))
                {
                    throw new ArgumentException(
                        $"{nameof(Buckets)}[{i}] is {buckets[i].ToString(CultureInfo.InvariantCulture)}: bounds must be finite numbers (the +Inf bucket is added automatically).",
                        nameof(Buckets));
                }

                if (i > 0 && buckets[i] <= buckets[i - 1])
                {
                    throw new ArgumentException(
                        $"{nameof(Buckets)} must increase strictly: {nameof(Buckets)}[{i}] = {buckets[i].ToString(CultureInfo.InvariantCulture)} " +
                        $"follows {buckets[i - 1].ToString(CultureInfo.InvariantCulture)}. Sort them and remove duplicates.",
                        nameof(Buckets));
                }
            }
        }

        if (Registry is null)
        {
            throw new ArgumentException($"{nameof(Registry)} is null: leave the default (Metrics.DefaultRegistry) or give a registry.", nameof(Registry));
        }

        if (StatisticsTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(StatisticsTimeout)} must be positive (it is {StatisticsTimeout}).", nameof(StatisticsTimeout));
        }
    }

    private static void CheckNamePart(string? part, string option)
    {
        if (string.IsNullOrEmpty(part))
        {
            return;
        }

        var valid = !char.IsAsciiDigit(part[0]);
        foreach (var c in part)
        {
            valid &= char.IsAsciiLetterOrDigit(c) || c == '_';
        }

        if (!valid)
        {
            var suggestion = new string(part.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
            if (char.IsAsciiDigit(suggestion[0]))
            {
                suggestion = "_" + suggestion;
            }

            throw new ArgumentException(
                $"{option} '{part}' is not a valid Prometheus name part: use ASCII letters, digits and underscores, not starting with a digit " +
                $"(e.g. '{suggestion}').",
                option);
        }
    }
}
