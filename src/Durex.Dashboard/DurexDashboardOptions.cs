namespace Durex.Dashboard;

/// <summary>Settings of one mounted dashboard (<c>MapDurexDashboard</c> or the standalone host).</summary>
public class DurexDashboardOptions
{
    /// <summary>The custom header every state-changing request must carry (with any non-empty value; the UI sends <c>1</c>).</summary>
    public const string ActionHeader = "X-Durex-Dashboard";

    /// <summary>
    /// Serve the dashboard on addresses other than loopback without an authorization policy on its endpoints. Off by
    /// default: then a non-loopback binding without <c>.RequireAuthorization(…)</c> fails the application's start and
    /// requests arriving on a non-loopback address are refused with 403. Turn it on only when something in front of the
    /// app (a proxy, a private network) already restricts who reaches it.
    /// </summary>
    public bool AllowAnonymousRemoteAccess { get; set; }

    /// <summary>Map only the read endpoints: no retry, cancel, replay or purge (the UI hides its buttons).</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Title shown in the UI's header and the browser tab.</summary>
    public string Title { get; set; } = "Durex";

    /// <summary>
    /// For <c>GET /api/health</c>: the longest the oldest ready command may wait before the status is <c>degraded</c>;
    /// null (the default) ignores the queue's age.
    /// </summary>
    public TimeSpan? MaxQueueAge { get; set; }

    /// <summary>
    /// For <c>GET /api/health</c>: whether the executor is expected to run in this process. Set it to false when the app
    /// only enqueues and inspects (<c>AddDurexClient</c>) and its commands run in a worker elsewhere: "not started" is
    /// then normal. Default true.
    /// </summary>
    public bool ExpectRunningExecutor { get; set; } = true;

    /// <summary>How often the dashboard samples the store's counts for the throughput figures (default 5 s, at least 1 s).</summary>
    public TimeSpan ThroughputSampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How far back the throughput figures reach (default 15 min, at most 24 h).</summary>
    public TimeSpan ThroughputWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Largest workflow (commands sharing a correlation id) the workflow view loads (default 10,000).</summary>
    public int MaxWorkflowSize { get; set; } = 10_000;

    /// <summary>
    /// How many commands (matching the other filters) one page of a text search examines at most (default 10,000).
    /// Text is not indexed; when the window ends before the page fills, the page says so and "Next page" searches the
    /// next window. Larger windows find more per page and cost more per request.
    /// </summary>
    public int SearchWindow { get; set; } = 10_000;

    /// <summary>How often the UI refreshes, in milliseconds (default 2000).</summary>
    public int RefreshIntervalMilliseconds { get; set; } = 2000;

    internal void Validate()
    {
        if (ThroughputSampleInterval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ThroughputSampleInterval), ThroughputSampleInterval, "The throughput sample interval must be at least 1 second.");
        }

        if (ThroughputWindow < ThroughputSampleInterval || ThroughputWindow > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ThroughputWindow), ThroughputWindow, "The throughput window must be between the sample interval and 24 hours.");
        }

        if (MaxWorkflowSize is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWorkflowSize), MaxWorkflowSize, "The largest workflow must be between 1 and 1,000,000 commands.");
        }

        if (SearchWindow is < 100 or > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(SearchWindow), SearchWindow, "The search window must be between 100 and 10,000,000 commands.");
        }

        if (RefreshIntervalMilliseconds is < 250 or > 600_000)
        {
            throw new ArgumentOutOfRangeException(nameof(RefreshIntervalMilliseconds), RefreshIntervalMilliseconds, "The refresh interval must be between 250 ms and 10 minutes.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(Title);
    }
}
