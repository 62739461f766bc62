using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Durex.Diagnostics;
using Prometheus;

namespace Durex.Prometheus;

/// <summary>
/// Exports Durex's metrics to Prometheus: listens to executors' <see cref="Meter"/>s and feeds prometheus-net collectors
/// named as in the Go library (<c>durex_commands_started_total{command}</c>, <c>durex_command_duration_seconds</c>,
/// <c>durex_queue_size</c>…) plus the wait, claim, lease-rescue, running, queue-age, dead-letter and per-status gauges.
/// Before each scrape of the registry it refreshes the store statistics (when attached to one executor) and reads the
/// gauges, so a scrape shows current values. Dispose to stop exporting. See docs/prometheus.md.
/// </summary>
/// <remarks>
/// Several exporters may share a registry: attached under the same names they share the collectors, so counters and
/// histograms add up, <c>commands_running</c> is the sum over executors, and the store gauges count each store once
/// (executors over the same <see cref="Durex.Storage.ICommandStore"/> object report the same store; different stores are summed, the
/// oldest age is the maximum). An executor is exported at most once per registry and names: attaching it again throws.
/// </remarks>
public sealed class DurexPrometheusMetrics : IDisposable
{
    private static readonly ConcurrentDictionary<string, string> StatusLabels = new(StringComparer.Ordinal);

    private readonly MetricSet _set;
    private readonly Executor? _executor;
    private readonly TimeSpan _statisticsTimeout;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Meter, byte> _claimed = new();
    private readonly ConcurrentDictionary<string, byte> _initializedCommands = new(StringComparer.Ordinal);
    private volatile bool _disposed;
    private volatile bool _executorMeterGone;

    private DurexPrometheusMetrics(DurexPrometheusOptions options, Executor? executor)
    {
        _set = MetricSet.Get(options);
        _executor = executor;
        _statisticsTimeout = options.StatisticsTimeout;
        Registry = options.Registry;
        MetricPrefix = options.Prefix;
        if (executor is not null && !Claim(executor.Meter, executor.Store))
        {
            throw new InvalidOperationException(
                $"Executor '{executor.InstanceName}' is already exported to this registry under the '{MetricPrefix}*' names (exporting it twice " +
                "would count everything twice): dispose the other DurexPrometheusMetrics first, or use another registry or namespace.");
        }

        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<int>(static (instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<double>(static (instrument, value, tags, state) => Record(state, value, tags));
        _listener.Start();
        Registry.AddBeforeCollectCallback(RefreshAsync);
    }

    /// <summary>The registry the metrics are exported to.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>The prefix of every exported name (<c>durex_</c> by default: namespace and subsystem joined by underscores).</summary>
    public string MetricPrefix { get; }

    /// <summary>
    /// Exports the metrics of <paramref name="executor"/> (its <see cref="Executor.Meter"/> only). Each scrape of the
    /// registry first refreshes the executor's store statistics (<see cref="Executor.GetStatisticsAsync"/>), so the queue
    /// gauges are current, and publishes the counters of its registered commands at 0 once it runs.
    /// </summary>
    /// <param name="executor">The executor to export.</param>
    /// <param name="configure">Changes the names, buckets or registry (see <see cref="DurexPrometheusOptions"/>).</param>
    /// <returns>The exporter; dispose it to stop exporting (the values already exported stay in the registry).</returns>
    /// <exception cref="ArgumentException">An option is invalid, or the registry already holds clashing metrics.</exception>
    /// <exception cref="InvalidOperationException">The executor is already exported to this registry under these names.</exception>
    public static DurexPrometheusMetrics Attach(Executor executor, Action<DurexPrometheusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(executor);
        return new DurexPrometheusMetrics(Configure(configure), executor);
    }

    /// <summary>
    /// Exports the metrics of every executor in the process (every meter named <see cref="DurexDiagnostics.MeterName"/>,
    /// present and future) that no other exporter of this registry and names exports. The store gauges then show the
    /// snapshots executors refresh themselves every <see cref="ExecutorOptions.StatisticsInterval"/> (a scrape does not
    /// query the store), and the executors are assumed to share one store: with several stores, use <see cref="Attach"/>
    /// per executor.
    /// </summary>
    /// <param name="configure">Changes the names, buckets or registry (see <see cref="DurexPrometheusOptions"/>).</param>
    /// <returns>The exporter; dispose it to stop exporting.</returns>
    /// <exception cref="ArgumentException">An option is invalid, or the registry already holds clashing metrics.</exception>
    public static DurexPrometheusMetrics AttachAll(Action<DurexPrometheusOptions>? configure = null) => new(Configure(configure), null);

    /// <summary>
    /// Keeps prometheus-net's <see cref="MeterAdapter"/> (which the default registry starts on its first scrape and which
    /// publishes every .NET meter) from also publishing the Durex meter, as <c>durex_durex_*</c> gauges and histograms that
    /// duplicate this exporter's metrics. Call <c>Metrics.ConfigureMeterAdapter(DurexPrometheusMetrics.ExcludeDurexMeter)</c>
    /// at startup, before the default registry is first scraped; other filters already set on the options are kept.
    /// </summary>
    /// <param name="options">The adapter's options.</param>
    public static void ExcludeDurexMeter(MeterAdapterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var previous = options.InstrumentFilterPredicate;
        options.InstrumentFilterPredicate = instrument =>
            instrument.Meter.Name != DurexDiagnostics.MeterName && (previous is null || previous(instrument));
    }

    /// <summary>
    /// What every scrape of <see cref="Registry"/> does first: refreshes the executor's store statistics (when attached to
    /// one executor; a failure or a refresh slower than <see cref="DurexPrometheusOptions.StatisticsTimeout"/> keeps the
    /// previous values and counts in <c>statistics_refresh_failures_total</c>) and reads the gauges. Call it yourself
    /// before exporting another way (e.g. a push gateway).
    /// </summary>
    /// <param name="cancellationToken">Cancels the refresh.</param>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (_disposed)
        {
            return; // a registry cannot forget a before-collect callback: it stays a no-op
        }

        if (_executor is not null && !_executorMeterGone)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                await _executor.GetStatisticsAsync(cancel.Token).AsTask().WaitAsync(_statisticsTimeout, _executor.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception)
            {
                // The store is unreachable or slow: export the previous values rather than fail the whole scrape.
                await cancel.CancelAsync().ConfigureAwait(false);
                _set.StatisticsErrors.Inc();
            }

            if (_executor.IsRunning)
            {
                foreach (var name in _executor.HandlerNames)
                {
                    if (_initializedCommands.TryAdd(name, 0))
                    {
                        _set.InitializeCommand(name);
                    }
                }
            }
        }

        _listener.RecordObservableInstruments();
    }

    /// <summary>Stops exporting: counters and histograms keep their values; this exporter's executors no longer count in the gauges.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _listener.Dispose();
        foreach (var meter in _claimed.Keys)
        {
            _set.Release(meter, this);
        }
    }

    private static DurexPrometheusOptions Configure(Action<DurexPrometheusOptions>? configure)
    {
        var options = new DurexPrometheusOptions();
        configure?.Invoke(options);
        options.Validate();
        return options;
    }

    private static void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (state is not Binding binding)
        {
            return;
        }

        // This runs on the engine's threads inside Counter.Add: it must never throw into the engine.
        try
        {
            var set = binding.Set;
            switch (binding.Kind)
            {
                case Kind.Started or Kind.Completed or Kind.Failed or Kind.Retried or Kind.Expired:
                    set.CommandCounter((int)binding.Kind, Tag(tags, DurexDiagnostics.CommandTag) ?? "").Inc(value);
                    break;
                case Kind.Rescued:
                    set.Rescues.Inc(value);
                    break;
                case Kind.Duration:
                    set.ObserveDuration(Tag(tags, DurexDiagnostics.CommandTag) ?? "", Tag(tags, DurexDiagnostics.OutcomeTag), value);
                    break;
                case Kind.Wait:
                    set.ObserveWait(Tag(tags, DurexDiagnostics.CommandTag) ?? "", value);
                    break;
                case Kind.Claim:
                    set.Claim.Observe(value);
                    break;
                case Kind.Running:
                    set.SetRunning(binding.Meter, value);
                    break;
                case Kind.QueueSize:
                    set.SetStore(binding.Meter, StoreGauge.QueueSize, value);
                    break;
                case Kind.OldestAge:
                    set.SetStore(binding.Meter, StoreGauge.OldestAge, value);
                    break;
                case Kind.DeadLetters:
                    set.SetStore(binding.Meter, StoreGauge.DeadLetters, value);
                    break;
                case Kind.Commands when Tag(tags, DurexDiagnostics.StatusTag) is { } status:
                    set.SetStore(binding.Meter, StoreGauge.Commands, value, StatusLabels.GetOrAdd(status, static s => s.ToLowerInvariant()));
                    break;
            }
        }
        catch (Exception)
        {
            // A metric that cannot be recorded is dropped; the command it describes is unaffected.
        }
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (string.Equals(tag.Key, key, StringComparison.Ordinal))
            {
                return tag.Value as string ?? tag.Value?.ToString();
            }
        }

        return null;
    }

    private static Kind? KindOf(string instrument) => instrument switch
    {
        DurexDiagnostics.CommandsStarted => Kind.Started,
        DurexDiagnostics.CommandsCompleted => Kind.Completed,
        DurexDiagnostics.CommandsFailed => Kind.Failed,
        DurexDiagnostics.CommandsRetried => Kind.Retried,
        DurexDiagnostics.CommandsExpired => Kind.Expired,
        DurexDiagnostics.LeasesRescued => Kind.Rescued,
        DurexDiagnostics.CommandDuration => Kind.Duration,
        DurexDiagnostics.CommandWait => Kind.Wait,
        DurexDiagnostics.ClaimDuration => Kind.Claim,
        DurexDiagnostics.CommandsRunning => Kind.Running,
        DurexDiagnostics.QueueSize => Kind.QueueSize,
        DurexDiagnostics.QueueOldestAge => Kind.OldestAge,
        DurexDiagnostics.DeadLetters => Kind.DeadLetters,
        DurexDiagnostics.Commands => Kind.Commands,
        _ => null,
    };

    private bool Claim(Meter meter, object store)
    {
        if (!_set.TryClaim(meter, store, this))
        {
            return false;
        }

        _claimed.TryAdd(meter, 0);
        return true;
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (_disposed || KindOf(instrument.Name) is not { } kind)
        {
            return;
        }

        var wanted = _executor is not null
            ? ReferenceEquals(instrument.Meter, _executor.Meter)
            : instrument.Meter.Name == DurexDiagnostics.MeterName && Claim(instrument.Meter, MetricSet.SharedStore);
        if (wanted)
        {
            listener.EnableMeasurementEvents(instrument, new Binding(_set, instrument.Meter, kind));
        }
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        // The meter was disposed (its executor was) or this exporter stopped: the executor leaves the gauges.
        _set.Release(instrument.Meter, this);
        if (_executor is not null && ReferenceEquals(instrument.Meter, _executor.Meter) && !_disposed)
        {
            _executorMeterGone = true;
        }
    }

    /// <summary>What a measurement of one instrument feeds (the listener's per-instrument state).</summary>
    private sealed record Binding(MetricSet Set, Meter Meter, Kind Kind);

    /// <summary>The instruments; the first five are the command counters, in <see cref="MetricSet.CommandCounter"/>'s order.</summary>
    private enum Kind
    {
        Started,
        Completed,
        Failed,
        Retried,
        Expired,
        Rescued,
        Duration,
        Wait,
        Claim,
        Running,
        QueueSize,
        OldestAge,
        DeadLetters,
        Commands,
    }
}
