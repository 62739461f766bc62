using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Durex.Diagnostics;

/// <summary>
/// One executor's instruments and spans. Recording costs next to nothing while nobody listens: counters check
/// <see cref="Instrument.Enabled"/> themselves, and <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null.
/// </summary>
internal sealed class ExecutorTelemetry : IDisposable
{
    public static readonly ActivitySource Source = new(DurexDiagnostics.ActivitySourceName, typeof(ExecutorTelemetry).Assembly.GetName().Version?.ToString(3));

    private readonly bool _ownsMeter;
    private readonly Counter<long> _started;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _rescued;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _wait;
    private readonly Histogram<double> _claim;
    private readonly Instrument[] _statisticsGauges;
    private volatile ExecutorStatistics? _statistics;
    private long _statisticsReadAtTicks = DateTimeOffset.MinValue.UtcTicks;

    public ExecutorTelemetry(IMeterFactory? factory, string instanceName, Func<int> running)
    {
        var options = new MeterOptions(DurexDiagnostics.MeterName)
        {
            Version = Source.Version,
            Tags = [new("durex.instance", instanceName)],
        };
        _ownsMeter = factory is null;
        Meter = factory?.Create(options) ?? new Meter(options);
        _started = Meter.CreateCounter<long>(DurexDiagnostics.CommandsStarted, "{attempt}", "Attempts whose handler was invoked.");
        _completed = Meter.CreateCounter<long>(DurexDiagnostics.CommandsCompleted, "{attempt}", "Attempts whose handler succeeded.");
        _failed = Meter.CreateCounter<long>(DurexDiagnostics.CommandsFailed, "{attempt}", "Attempts that failed, retried or not.");
        _retried = Meter.CreateCounter<long>(DurexDiagnostics.CommandsRetried, "{attempt}", "Attempts followed by a retry.");
        _expired = Meter.CreateCounter<long>(DurexDiagnostics.CommandsExpired, "{command}", "Commands whose deadline passed before they could run.");
        _rescued = Meter.CreateCounter<long>(DurexDiagnostics.LeasesRescued, "{command}", "Commands rescued from executors that stopped renewing their lease.");
        _duration = Meter.CreateHistogram<double>(DurexDiagnostics.CommandDuration, "s", "Duration of attempts that ran.");
        _wait = Meter.CreateHistogram<double>(DurexDiagnostics.CommandWait, "s", "Time from ready to the start of the attempt.");
        _claim = Meter.CreateHistogram<double>(DurexDiagnostics.ClaimDuration, "s", "Duration of a claim round trip to the store.");
        Meter.CreateObservableGauge(DurexDiagnostics.CommandsRunning, running, "{attempt}", "Attempts running in this executor.");
        _statisticsGauges =
        [
            Meter.CreateObservableGauge(DurexDiagnostics.QueueSize, () => Observe(s => s.QueueDepth), "{command}",
                "Commands ready to run and not claimed."),
            Meter.CreateObservableGauge(DurexDiagnostics.QueueOldestAge, () => Observe(s => s.OldestReadyAge?.TotalSeconds ?? 0d), "s",
                "How long the oldest ready command has waited."),
            Meter.CreateObservableGauge(DurexDiagnostics.DeadLetters, () => Observe(s => s.Counts.GetValueOrDefault(CommandStatus.DeadLetter)), "{command}",
                "Dead-lettered commands in the store."),
            Meter.CreateObservableGauge(DurexDiagnostics.Commands, ObserveCounts, "{command}", "Commands in the store per status."),
        ];
    }

    /// <summary>The meter: created by the host's <see cref="IMeterFactory"/> when one is configured, else owned here.</summary>
    public Meter Meter { get; }

    /// <summary>True when a listener observes the gauges fed by store statistics (so refreshing them is worth a query).</summary>
    public bool StatisticsObserved => Array.Exists(_statisticsGauges, g => g.Enabled);

    /// <summary>The statistics the gauges report (the latest the executor read).</summary>
    public ExecutorStatistics? Statistics => _statistics;

    /// <summary>When <see cref="Statistics"/> was read (the executor's clock); <see cref="DateTimeOffset.MinValue"/> before the first read.</summary>
    public DateTimeOffset StatisticsReadAt => new(Interlocked.Read(ref _statisticsReadAtTicks), TimeSpan.Zero);

    public void Observed(ExecutorStatistics statistics, DateTimeOffset readAt)
    {
        _statistics = statistics;
        Interlocked.Exchange(ref _statisticsReadAtTicks, readAt.UtcTicks);
    }

    /// <summary>
    /// Starts the producer span of an enqueue (of one command named <paramref name="name"/>, or of a batch, which
    /// tags its size once built). Null when nobody listens.
    /// </summary>
    public static Activity? StartEnqueue(string? name)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(name is null ? "enqueue" : "enqueue " + name, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "durex");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "enqueue");
            if (name is not null)
            {
                activity.SetTag("messaging.destination.name", name);
            }
        }

        return activity;
    }

    /// <summary>
    /// Starts the consumer span of one attempt, as a child of the span that enqueued the command (its stored
    /// <see cref="CommandInstance.TraceParent"/>), in whichever process that was. Null when nobody listens.
    /// </summary>
    public static Activity? StartProcess(CommandInstance command)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(command.TraceParent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity("process " + command.Name, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "durex");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.operation.name", "process");
            activity.SetTag("messaging.destination.name", command.Name);
            activity.SetTag("messaging.message.id", command.Id.ToString());
            activity.SetTag("durex.attempt", command.Attempt);
            if (command.CorrelationId is not null)
            {
                activity.SetTag("durex.correlation_id", command.CorrelationId);
            }

            if (command.TraceId is not null)
            {
                activity.SetTag("durex.trace_id", command.TraceId);
            }
        }

        return activity;
    }

    /// <summary>Marks a span failed with the exception's type and message.</summary>
    public static void Fail(Activity activity, Exception error, string? message = null)
    {
        activity.SetStatus(ActivityStatusCode.Error, message ?? error.Message);
        activity.SetTag("error.type", error.GetType().FullName);
        activity.AddException(error);
    }

    public void Started(string name, TimeSpan wait)
    {
        var tag = Tag(name);
        _started.Add(1, tag);
        if (_wait.Enabled)
        {
            _wait.Record(Math.Max(0, wait.TotalSeconds), tag);
        }
    }

    /// <summary>Records how an attempt that ran ended.</summary>
    public void Finished(string name, AttemptOutcome outcome, TimeSpan duration)
    {
        var tag = Tag(name);
        switch (outcome)
        {
            case AttemptOutcome.Completed or AttemptOutcome.Repeating:
                _completed.Add(1, tag);
                break;
            case AttemptOutcome.Retrying:
                _failed.Add(1, tag);
                _retried.Add(1, tag);
                break;
            case AttemptOutcome.RetryRequested:
                _retried.Add(1, tag);
                break;
            case AttemptOutcome.Failed:
                _failed.Add(1, tag);
                break;
        }

        if (_duration.Enabled)
        {
            _duration.Record(duration.TotalSeconds, tag, new KeyValuePair<string, object?>(DurexDiagnostics.OutcomeTag, outcome.ToTagValue()));
        }
    }

    /// <summary>A command failed without running (retry budget used up by lost workers, failed fan-in).</summary>
    public void FailedWithoutRunning(string name) => _failed.Add(1, Tag(name));

    public void Expired(string name) => _expired.Add(1, Tag(name));

    public void Rescued(int count) => _rescued.Add(count);

    public void Claimed(TimeSpan duration)
    {
        if (_claim.Enabled)
        {
            _claim.Record(duration.TotalSeconds);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private static KeyValuePair<string, object?> Tag(string name) => new(DurexDiagnostics.CommandTag, name);

    private IEnumerable<Measurement<T>> Observe<T>(Func<ExecutorStatistics, T> read)
        where T : struct =>
        _statistics is { } statistics ? [new Measurement<T>(read(statistics))] : [];

    private IEnumerable<Measurement<long>> ObserveCounts()
    {
        if (_statistics is not { } statistics)
        {
            yield break;
        }

        foreach (var (status, count) in statistics.Counts)
        {
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>(DurexDiagnostics.StatusTag, status.ToWireName()));
        }
    }
}

/// <summary>How an attempt that ran ended, as metrics and spans report it.</summary>
internal enum AttemptOutcome
{
    Completed,
    Repeating,
    Retrying,
    RetryRequested,
    Failed,
    Cancelled,
    Interrupted,
}

internal static class AttemptOutcomeExtensions
{
    public static string ToTagValue(this AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Completed => "completed",
        AttemptOutcome.Repeating => "repeating",
        AttemptOutcome.Retrying or AttemptOutcome.RetryRequested => "retrying",
        AttemptOutcome.Failed => "failed",
        AttemptOutcome.Cancelled => "cancelled",
        _ => "interrupted",
    };
}
