using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Prometheus;

namespace Durex.Prometheus;

/// <summary>
/// The collectors of one metric-name prefix in one registry, shared by every <see cref="DurexPrometheusMetrics"/> attached
/// to that registry under those names, with the state that turns several executors' gauges into one value each:
/// <c>commands_running</c> is the sum over executors; the store gauges keep one snapshot per store (the latest reported by
/// any executor over it), summed over stores (the oldest age is the maximum). It also records which meters are exported,
/// so that no executor is counted twice.
/// </summary>
internal sealed class MetricSet
{
    private static readonly ConditionalWeakTable<CollectorRegistry, ConcurrentDictionary<string, MetricSet>> Sets = new();

    private readonly object _gate = new();
    private readonly Dictionary<Meter, MeterEntry> _meters = [];
    private readonly Dictionary<object, StoreSnapshot> _stores = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _publishedStatuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter.Child>[] _counterChildren;
    private readonly ConcurrentDictionary<string, Histogram.Child> _durationChildren = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), Histogram.Child> _durationOutcomeChildren = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _waitChildren = new(StringComparer.Ordinal);

    private MetricSet(DurexPrometheusOptions options)
    {
        Prefix = options.Prefix;
        Buckets = options.ResolvedBuckets;
        DurationByOutcome = options.DurationByOutcome;
        var factory = Metrics.WithCustomRegistry(options.Registry);
        var histogram = new HistogramConfiguration { Buckets = Buckets };
        Counter CommandCounter(string name, string help) => factory.CreateCounter(Prefix + name, help, ["command"]);

        Started = CommandCounter("commands_started_total", "Attempts whose handler was invoked.");
        Completed = CommandCounter("commands_completed_total", "Attempts whose handler succeeded (repeats included).");
        Failed = CommandCounter("commands_failed_total", "Attempts that failed (exception, timeout, invalid result), retried or not; also commands failed without running.");
        Retried = CommandCounter("commands_retried_total", "Attempts followed by a retry (after a failure or a Retry result).");
        Expired = CommandCounter("commands_expired_total", "Commands whose deadline passed before an attempt could start.");
        _counterChildren = [new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal)];
        Rescues = factory.CreateCounter(Prefix + "lease_rescues_total", "Commands rescued from executors that stopped renewing their lease.");
        Duration = factory.CreateHistogram(Prefix + "command_duration_seconds", "Duration of every attempt that ran, failed ones included.",
            DurationByOutcome ? ["command", "outcome"] : ["command"], histogram);
        Wait = factory.CreateHistogram(Prefix + "command_wait_seconds", "Time from the moment a command was ready to the start of its attempt.", ["command"], histogram);
        Claim = factory.CreateHistogram(Prefix + "claim_duration_seconds", "Duration of one claim round trip to the store.", histogram);
        Running = factory.CreateGauge(Prefix + "commands_running", "Attempts running now in the attached executors.");
        QueueSize = factory.CreateGauge(Prefix + "queue_size", "Commands ready to run and not claimed, in the store.");
        OldestAge = factory.CreateGauge(Prefix + "queue_oldest_age_seconds", "How long the oldest ready command has waited, in seconds (0 when none is ready).");
        DeadLetters = factory.CreateGauge(Prefix + "dead_letters", "Dead-lettered commands in the store.");
        Commands = factory.CreateGauge(Prefix + "commands", "Commands in the store per status (lower-case status names).", ["status"]);
        StatisticsErrors = factory.CreateCounter(Prefix + "statistics_refresh_failures_total",
            "Scrapes that could not refresh the store statistics in time and exported the previous values.");
    }

    /// <summary>Marks the store of executors attached with <see cref="DurexPrometheusMetrics.AttachAll"/>: they are assumed to share one.</summary>
    public static object SharedStore { get; } = new();

    public string Prefix { get; }

    public double[] Buckets { get; }

    public bool DurationByOutcome { get; }

    public Counter Started { get; }

    public Counter Completed { get; }

    public Counter Failed { get; }

    public Counter Retried { get; }

    public Counter Expired { get; }

    public Counter Rescues { get; }

    public Histogram Duration { get; }

    public Histogram Wait { get; }

    public Histogram Claim { get; }

    public Gauge Running { get; }

    public Gauge QueueSize { get; }

    public Gauge OldestAge { get; }

    public Gauge DeadLetters { get; }

    public Gauge Commands { get; }

    public Counter StatisticsErrors { get; }

    /// <summary>The set for the options' registry and prefix, created on first use.</summary>
    /// <exception cref="ArgumentException">The registry already exports these names with other buckets or labels, or with other metric types.</exception>
    public static MetricSet Get(DurexPrometheusOptions options)
    {
        var sets = Sets.GetValue(options.Registry, static _ => new ConcurrentDictionary<string, MetricSet>(StringComparer.Ordinal));
        lock (sets)
        {
            if (sets.TryGetValue(options.Prefix, out var existing))
            {
                if (!existing.Buckets.SequenceEqual(options.ResolvedBuckets) || existing.DurationByOutcome != options.DurationByOutcome)
                {
                    throw new ArgumentException(
                        $"This registry already exports Durex metrics named '{options.Prefix}*' with other {nameof(DurexPrometheusOptions.Buckets)} or " +
                        $"{nameof(DurexPrometheusOptions.DurationByOutcome)}: attach every executor with the same options, or use another " +
                        $"{nameof(DurexPrometheusOptions.Namespace)}/{nameof(DurexPrometheusOptions.Subsystem)} or registry.",
                        nameof(options));
                }

                return existing;
            }

            MetricSet created;
            try
            {
                created = new MetricSet(options);
            }
            catch (InvalidOperationException ex)
            {
                // prometheus-net refuses a name already registered with another type or other label names.
                throw new ArgumentException(
                    $"The registry already holds a metric whose name clashes with Durex's '{options.Prefix}*' metrics ({ex.Message}): choose another " +
                    $"{nameof(DurexPrometheusOptions.Namespace)} or {nameof(DurexPrometheusOptions.Subsystem)}.",
                    nameof(options),
                    ex);
            }

            sets[options.Prefix] = created;
            return created;
        }
    }

    /// <summary>Records that <paramref name="owner"/> exports <paramref name="meter"/>; false when another exporter already does (true when <paramref name="owner"/> does).</summary>
    public bool TryClaim(Meter meter, object store, DurexPrometheusMetrics owner)
    {
        lock (_gate)
        {
            if (_meters.TryGetValue(meter, out var entry))
            {
                return entry.Owner == owner;
            }

            _meters.Add(meter, new MeterEntry(owner, store));
            return true;
        }
    }

    /// <summary>Forgets <paramref name="meter"/> (its exporter stopped, or the meter was disposed) and what its executor contributed to the gauges.</summary>
    public void Release(Meter meter, DurexPrometheusMetrics owner)
    {
        lock (_gate)
        {
            if (!_meters.TryGetValue(meter, out var entry) || entry.Owner != owner)
            {
                return;
            }

            _meters.Remove(meter);
            if (!_meters.Values.Any(e => ReferenceEquals(e.Store, entry.Store)))
            {
                _stores.Remove(entry.Store);
            }

            PublishRunning();
            PublishStores();
        }
    }

    public Counter.Child CommandCounter(int index, string command)
    {
        var counter = index switch
        {
            0 => Started,
            1 => Completed,
            2 => Failed,
            3 => Retried,
            _ => Expired,
        };
        return _counterChildren[index].GetOrAdd(command, static (name, c) => c.WithLabels(name), counter);
    }

    /// <summary>Publishes the command counters of <paramref name="command"/> at 0, so that the first increment shows in <c>rate()</c>.</summary>
    public void InitializeCommand(string command)
    {
        for (var i = 0; i < _counterChildren.Length; i++)
        {
            CommandCounter(i, command);
        }
    }

    public void ObserveDuration(string command, string? outcome, double seconds)
    {
        var child = DurationByOutcome
            ? _durationOutcomeChildren.GetOrAdd((command, outcome ?? "unknown"), static (key, h) => h.WithLabels(key.Item1, key.Item2), Duration)
            : _durationChildren.GetOrAdd(command, static (name, h) => h.WithLabels(name), Duration);
        child.Observe(seconds);
    }

    public void ObserveWait(string command, double seconds) =>
        _waitChildren.GetOrAdd(command, static (name, h) => h.WithLabels(name), Wait).Observe(seconds);

    public void SetRunning(Meter meter, double value)
    {
        lock (_gate)
        {
            if (_meters.TryGetValue(meter, out var entry))
            {
                entry.Running = value;
                PublishRunning();
            }
        }
    }

    public void SetStore(Meter meter, StoreGauge gauge, double value, string? status = null)
    {
        lock (_gate)
        {
            if (!_meters.TryGetValue(meter, out var entry))
            {
                return;
            }

            if (!_stores.TryGetValue(entry.Store, out var snapshot))
            {
                _stores[entry.Store] = snapshot = new StoreSnapshot();
            }

            switch (gauge)
            {
                case StoreGauge.QueueSize:
                    snapshot.QueueSize = value;
                    QueueSize.Set(_stores.Values.Sum(s => s.QueueSize));
                    break;
                case StoreGauge.OldestAge:
                    snapshot.OldestAge = value;
                    OldestAge.Set(_stores.Values.Max(s => s.OldestAge));
                    break;
                case StoreGauge.DeadLetters:
                    snapshot.DeadLetters = value;
                    DeadLetters.Set(_stores.Values.Sum(s => s.DeadLetters));
                    break;
                case StoreGauge.Commands when status is not null:
                    snapshot.Counts[status] = value;
                    PublishCount(status);
                    break;
            }
        }
    }

    private void PublishRunning() => Running.Set(_meters.Values.Sum(e => e.Running));

    private void PublishStores()
    {
        QueueSize.Set(_stores.Values.Sum(s => s.QueueSize));
        OldestAge.Set(_stores.Count == 0 ? 0 : _stores.Values.Max(s => s.OldestAge));
        DeadLetters.Set(_stores.Values.Sum(s => s.DeadLetters));
        foreach (var status in _publishedStatuses.ToArray())
        {
            PublishCount(status);
        }
    }

    private void PublishCount(string status)
    {
        _publishedStatuses.Add(status);
        Commands.WithLabels(status).Set(_stores.Values.Sum(s => s.Counts.GetValueOrDefault(status)));
    }

    private sealed class MeterEntry(DurexPrometheusMetrics owner, object store)
    {
        public DurexPrometheusMetrics Owner { get; } = owner;

        public object Store { get; } = store;

        public double Running { get; set; }
    }

    private sealed class StoreSnapshot
    {
        public double QueueSize { get; set; }

        public double OldestAge { get; set; }

        public double DeadLetters { get; set; }

        public Dictionary<string, double> Counts { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>The gauges fed by an executor's statistics snapshot.</summary>
internal enum StoreGauge
{
    QueueSize,
    OldestAge,
    DeadLetters,
    Commands,
}
