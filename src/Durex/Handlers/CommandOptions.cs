namespace Durex;

/// <summary>A handler's defaults, set at registration: <c>c =&gt; c.Retries(3).Timeout(TimeSpan.FromSeconds(30)).OnRecover(Refund)</c>.</summary>
/// <remarks>A spec's explicit values win over these; these win over the executor's defaults.</remarks>
public sealed class CommandOptions
{
    private readonly List<string> _tags = [];

    internal int? RetriesValue { get; private set; }
    internal TimeSpan? TimeoutValue { get; private set; }
    internal TimeSpan? DeadlineValue { get; private set; }
    internal TimeSpan? PeriodValue { get; private set; }
    internal string? CronValue { get; private set; }
    internal string? CronTimeZoneValue { get; private set; }
    internal int? PriorityValue { get; private set; }
    internal IReadOnlyList<string> TagsValue => _tags;
    internal IBackoffStrategy? BackoffValue { get; private set; }
    internal RecoverHandler? RecoverValue { get; private set; }
    internal ExpiredHandler? ExpiredValue { get; private set; }

    /// <summary>Retries after the first attempt (<c>Retries(3)</c> allows 4 attempts).</summary>
    public CommandOptions Retries(int retries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        RetriesValue = retries;
        return this;
    }

    /// <summary>Per-attempt time limit.</summary>
    public CommandOptions Timeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        TimeoutValue = timeout;
        return this;
    }

    /// <summary>No attempt starts later than this long after the command was enqueued.</summary>
    public CommandOptions Deadline(TimeSpan deadline)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);
        DeadlineValue = deadline;
        return this;
    }

    /// <summary>Interval for <see cref="CommandResult.Repeat()"/>.</summary>
    public CommandOptions Period(TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        PeriodValue = period;
        return this;
    }

    /// <summary>Cron schedule for <see cref="CommandResult.Repeat()"/> (5 fields, or 6 with seconds), in a time zone (UTC by default).</summary>
    /// <exception cref="ArgumentException">The expression or the time zone is invalid.</exception>
    public CommandOptions Cron(string expression, string? timeZone = null)
    {
        CronSchedule.Validate(expression, timeZone);
        CronValue = expression;
        CronTimeZoneValue = timeZone;
        return this;
    }

    /// <summary>Priority of this handler's commands (higher first).</summary>
    public CommandOptions Priority(int priority)
    {
        PriorityValue = priority;
        return this;
    }

    /// <summary>Tags added to every command of this handler.</summary>
    public CommandOptions Tags(params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var tag in tags)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(tag, nameof(tags));
            if (!_tags.Contains(tag))
            {
                _tags.Add(tag);
            }
        }

        return this;
    }

    /// <summary>Backoff between this handler's retries (overrides the executor's).</summary>
    public CommandOptions Backoff(IBackoffStrategy backoff)
    {
        BackoffValue = backoff ?? throw new ArgumentNullException(nameof(backoff));
        return this;
    }

    /// <summary>Saga compensation, run once when a command fails for good.</summary>
    public CommandOptions OnRecover(RecoverHandler recover)
    {
        RecoverValue = recover ?? throw new ArgumentNullException(nameof(recover));
        return this;
    }

    /// <summary>Run when a command's deadline passed before an attempt could start.</summary>
    public CommandOptions OnExpired(ExpiredHandler expired)
    {
        ExpiredValue = expired ?? throw new ArgumentNullException(nameof(expired));
        return this;
    }
}
