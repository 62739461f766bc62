using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Durex.Diagnostics;

namespace Durex.Conformance;

/// <summary>
/// Records the spans of the Durex activity source (and of <see cref="TestSource"/>, for a test's root span). Listeners
/// are process-wide and tests run in parallel: read only the spans of your own trace (<see cref="InTrace"/>).
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    public static readonly ActivitySource TestSource = new("Durex.Tests");

    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is DurexDiagnostics.ActivitySourceName or "Durex.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Stopped spans of one trace, in the order they stopped.</summary>
    public IReadOnlyList<Activity> InTrace(ActivityTraceId trace) => _stopped.Where(a => a.TraceId == trace).ToArray();

    public Activity Single(ActivityTraceId trace, string name) => Assert.Single(InTrace(trace), a => a.DisplayName == name);

    public void Dispose() => _listener.Dispose();
}

/// <summary>Records the measurements of one executor's meter.</summary>
public sealed class MeasurementRecorder : IDisposable
{
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly MeterListener _listener;

    public MeasurementRecorder(Meter meter)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Sum of a counter's measurements, optionally for one command.</summary>
    public double Sum(string instrument, string? command = null) =>
        Of(instrument, command).Sum(m => m.Value);

    /// <summary>The values recorded by a histogram or counter, optionally for one command.</summary>
    public IReadOnlyList<double> Values(string instrument, string? command = null) => Of(instrument, command).Select(m => m.Value).ToArray();

    /// <summary>Reads the observable gauges now and returns their values, keyed by instrument (and status tag for counts).</summary>
    public IReadOnlyDictionary<string, double> Observe()
    {
        var before = _measurements.Count;
        _listener.RecordObservableInstruments();
        var observed = new Dictionary<string, double>();
        foreach (var (instrument, value, tags) in _measurements.Skip(before))
        {
            var key = tags.TryGetValue(DurexDiagnostics.StatusTag, out var status) ? $"{instrument}[{status}]" : instrument;
            observed[key] = value;
        }

        return observed;
    }

    public void Dispose() => _listener.Dispose();

    private IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Of(string instrument, string? command) =>
        _measurements.Where(m => m.Instrument == instrument
            && (command is null || (m.Tags.TryGetValue(DurexDiagnostics.CommandTag, out var name) && (string?)name == command)));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}
