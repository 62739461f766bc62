namespace Durex;

/// <summary>
/// Retention of terminal commands: each status has its own age limit (<see langword="null"/> keeps them forever), and a
/// cleanup runs every <see cref="CleanupInterval"/>. Dead letters are kept until replayed or purged unless you set
/// <see cref="DeadLetter"/> (the Go library deleted them after 24 h by default).
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>How often cleanup runs; <see langword="null"/> disables it (Go: <c>WithCleanupInterval</c>). Default 1 hour.</summary>
    public TimeSpan? CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Keep completed commands this long. Default 1 day.</summary>
    public TimeSpan? Completed { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Keep failed commands this long. Default 7 days.</summary>
    public TimeSpan? Failed { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Keep expired commands this long. Default 7 days.</summary>
    public TimeSpan? Expired { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Keep cancelled commands this long. Default 7 days.</summary>
    public TimeSpan? Cancelled { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Keep dead letters this long. Default: forever (until <see cref="Executor.PurgeDeadLettersAsync"/>).</summary>
    public TimeSpan? DeadLetter { get; set; }

    /// <summary>Rows deleted per store call, so a big cleanup never holds a long transaction. Default 1000.</summary>
    public int BatchSize { get; set; } = 1000;

    internal IEnumerable<(CommandStatus Status, TimeSpan KeepFor)> Rules()
    {
        if (Completed is { } completed)
        {
            yield return (CommandStatus.Completed, completed);
        }

        if (Failed is { } failed)
        {
            yield return (CommandStatus.Failed, failed);
        }

        if (Expired is { } expired)
        {
            yield return (CommandStatus.Expired, expired);
        }

        if (Cancelled is { } cancelled)
        {
            yield return (CommandStatus.Cancelled, cancelled);
        }

        if (DeadLetter is { } deadLetter)
        {
            yield return (CommandStatus.DeadLetter, deadLetter);
        }
    }

    internal void Validate()
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(CleanupInterval), CleanupInterval), (nameof(Completed), Completed), (nameof(Failed), Failed),
                     (nameof(Expired), Expired), (nameof(Cancelled), Cancelled), (nameof(DeadLetter), DeadLetter),
                 })
        {
            if (value is { } v && v < TimeSpan.Zero || (name == nameof(CleanupInterval) && value == TimeSpan.Zero))
            {
                throw new ArgumentException($"ExecutorOptions.Retention.{name} must be positive when set.", name);
            }
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"ExecutorOptions.Retention.BatchSize must be at least 1 (was {BatchSize}).", nameof(BatchSize));
        }
    }
}
