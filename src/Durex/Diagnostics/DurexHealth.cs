using System.Globalization;

namespace Durex;

/// <summary>Health of an executor, as a load balancer sees it.</summary>
public enum DurexHealthStatus
{
    /// <summary>Started, not stopping, store reachable, queue not too old.</summary>
    Healthy,

    /// <summary>Shutting down, or the oldest ready command has waited longer than allowed.</summary>
    Degraded,

    /// <summary>Not started (or stopped), or the store did not answer.</summary>
    Unhealthy,
}

/// <summary>
/// The result of <see cref="DurexHealth.CheckHealthAsync"/>: what the Go library's <c>/api/health</c> reports, plus the
/// age of the oldest ready command. <see cref="ToDictionary"/> gives the same field names.
/// </summary>
public sealed record DurexHealthReport
{
    /// <summary>The overall verdict.</summary>
    public required DurexHealthStatus Status { get; init; }

    /// <summary>The executor is started (<see cref="Executor.IsRunning"/>).</summary>
    public required bool Started { get; init; }

    /// <summary>The executor is draining (<see cref="Executor.IsStopping"/>).</summary>
    public required bool Stopping { get; init; }

    /// <summary>The store answered the statistics query in time.</summary>
    public required bool StorageOk { get; init; }

    /// <summary>The executor's worker count (<see cref="ExecutorOptions.Parallelism"/>).</summary>
    public required int WorkerCount { get; init; }

    /// <summary>Commands ready to run and not claimed, in the whole store; <see langword="null"/> when the store did not answer.</summary>
    public long? QueueDepth { get; init; }

    /// <summary>How long the oldest ready command has waited; <see langword="null"/> when none waits or the store did not answer.</summary>
    public TimeSpan? OldestReadyAge { get; init; }

    /// <summary>When the check ran (the executor's clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Why the status is not healthy (the Go messages: "executor not started", "executor is shutting down", "storage error: …").</summary>
    public string? Message { get; init; }

    /// <summary>The store's error, when it failed.</summary>
    public Exception? Error { get; init; }

    /// <summary>
    /// The report as a flat dictionary with the Go endpoint's field names: <c>status</c> (<c>healthy</c>, <c>degraded</c>,
    /// <c>unhealthy</c>), <c>started</c>, <c>stopping</c>, <c>storage_ok</c>, <c>worker_count</c>, <c>queue_depth</c>,
    /// <c>oldest_ready_age_seconds</c>, <c>timestamp</c> (ISO 8601, UTC) and <c>message</c> when there is one. The queue
    /// fields are left out when the store did not answer.
    /// </summary>
    public IReadOnlyDictionary<string, object> ToDictionary()
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["status"] = StatusText,
            ["started"] = Started,
            ["stopping"] = Stopping,
            ["storage_ok"] = StorageOk,
            ["worker_count"] = WorkerCount,
        };
        if (QueueDepth is { } depth)
        {
            data["queue_depth"] = depth;
            data["oldest_ready_age_seconds"] = OldestReadyAge?.TotalSeconds ?? 0d;
        }

        data["timestamp"] = Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        if (Message is not null)
        {
            data["message"] = Message;
        }

        return data;
    }

    /// <summary><see cref="Status"/> as the Go endpoint spells it: <c>healthy</c>, <c>degraded</c> or <c>unhealthy</c>.</summary>
    public string StatusText => Status switch
    {
        DurexHealthStatus.Healthy => "healthy",
        DurexHealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

/// <summary>Health checking of an executor: the logic behind <c>DurexHealthCheck</c> and the dashboard's <c>/api/health</c>.</summary>
public static class DurexHealth
{
    /// <summary>How long the store gets to answer before it counts as unreachable, unless told otherwise: 5 s (as in the Go library).</summary>
    public static readonly TimeSpan DefaultStorageTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Checks the executor and its store. Unhealthy when the executor is not started (or stopped) or the store does not
    /// answer a statistics query within <paramref name="storageTimeout"/> (measured on the executor's clock); Degraded
    /// while it stops, or when the oldest ready command has waited longer than <paramref name="maxQueueAge"/>; Healthy
    /// otherwise. The store is queried in every case, so <see cref="DurexHealthReport.StorageOk"/> is always meaningful.
    /// </summary>
    /// <param name="executor">The executor to check.</param>
    /// <param name="maxQueueAge">The longest a ready command may wait before the executor counts as degraded; <see langword="null"/> ignores the queue's age.</param>
    /// <param name="storageTimeout">How long the store gets to answer; default <see cref="DefaultStorageTimeout"/>.</param>
    /// <param name="expectRunning">
    /// <see langword="false"/> for an executor that only enqueues (a client-only process): not being started is then
    /// normal and only the store and the queue's age count.
    /// </param>
    /// <param name="cancellationToken">Cancels the check (the caller gave up); it does not count as a store failure.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<DurexHealthReport> CheckHealthAsync(this Executor executor, TimeSpan? maxQueueAge = null, TimeSpan? storageTimeout = null,
        bool expectRunning = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        if (maxQueueAge is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, TimeSpan.Zero, nameof(maxQueueAge));
        }

        var timeout = storageTimeout ?? DefaultStorageTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(storageTimeout));

        var clock = executor.Options.TimeProvider;
        ExecutorStatistics? statistics = null;
        Exception? error = null;
        using (var deadline = new CancellationTokenSource(timeout, clock))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken))
        {
            try
            {
                statistics = await executor.GetStatisticsAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException ex) when (deadline.IsCancellationRequested)
            {
                error = new TimeoutException($"The store did not answer within {timeout}.", ex);
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }

        // Read after the query: a stop that began meanwhile is reported.
        var started = executor.IsRunning;
        var stopping = started && executor.IsStopping;
        var age = statistics?.OldestReadyAge;
        var (status, message) = (started, stopping, error) switch
        {
            (false, _, _) when expectRunning => (DurexHealthStatus.Unhealthy, "executor not started"),
            (_, _, not null) => (DurexHealthStatus.Unhealthy, $"storage error: {error.Message}"),
            (_, true, _) => (DurexHealthStatus.Degraded, "executor is shutting down"),
            _ when maxQueueAge is { } limit && age > limit => (DurexHealthStatus.Degraded,
                $"the oldest ready command has waited {Format(age.Value)}, longer than the allowed {Format(limit)}"),
            _ => (DurexHealthStatus.Healthy, (string?)null),
        };

        return new DurexHealthReport
        {
            Status = status,
            Started = started,
            Stopping = stopping,
            StorageOk = error is null,
            WorkerCount = executor.Options.Parallelism,
            QueueDepth = statistics?.QueueDepth,
            OldestReadyAge = age,
            Timestamp = clock.GetUtcNow(),
            Message = message,
            Error = error,
        };
    }

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
