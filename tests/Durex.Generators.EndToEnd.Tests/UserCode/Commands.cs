using System.Collections.Concurrent;
using System.Text.Json.Serialization;

// The tests share Recorder: they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: Durex.DurexJsonContext(typeof(Durex.Generators.EndToEnd.Tests.UserCode.FallbackJsonContext))]

namespace Durex.Generators.EndToEnd.Tests.UserCode;

/// <summary>What the handlers did, in order.</summary>
public static class Recorder
{
    private static readonly ConcurrentQueue<string> Entries = new();

    public static void Add(string entry) => Entries.Enqueue(entry);

    public static string[] Take()
    {
        var all = Entries.ToArray();
        Entries.Clear();
        return all;
    }
}

public sealed record EmailData(string To, string Subject);

public sealed record Notification(int UserId, string Text);

/// <summary>A payload the generated metadata does not cover (an <c>object</c> member): it goes through the user's context.</summary>
public sealed class AuditEntry
{
    public string Action { get; set; } = "";

    public Dictionary<string, object>? Extra { get; set; }
}

[JsonSerializable(typeof(AuditEntry))]
public sealed partial class FallbackJsonContext : JsonSerializerContext;

public static class EmailCommands
{
    [DurexCommand("sendEmail", Retries = 2, TimeoutSeconds = 30, Tags = ["email"], Priority = 5)]
    public static Task SendAsync(EmailData email, CommandContext context, CancellationToken cancellationToken)
    {
        Recorder.Add($"sendEmail {email.To} #{context.Attempt}");
        if (email.To.StartsWith("fail", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"mailbox {email.To} is full");
        }

        return Task.CompletedTask;
    }
}

public static class MaintenanceCommands
{
    [DurexCommand("ping")]
    public static void Ping() => Recorder.Add("ping");

    [DurexCommand("audit", Retries = 1)]
    public static CommandResult Audit(AuditEntry entry, CommandContext context)
    {
        Recorder.Add($"audit {entry.Action} {entry.Extra?.Count ?? 0}");
        return context.Attempt == 1 && entry.Action == "retry-once" ? CommandResult.Retry() : CommandResult.Empty;
    }

    [DurexCommand("daily-report", OnExpired = nameof(TooLate), DeadlineSeconds = 60)]
    public static ValueTask<CommandResult> DailyReport(CommandContext context)
    {
        Recorder.Add("daily-report");
        return ValueTask.FromResult(CommandResult.Empty);
    }

    public static Task TooLate(CommandContext context)
    {
        Recorder.Add($"too late {context.Name}");
        return Task.CompletedTask;
    }
}

/// <summary>A singleton the handler classes take in their constructors.</summary>
public sealed class Mailer
{
    public ConcurrentQueue<string> Sent { get; } = new();
}

/// <summary>A scoped service: one instance per attempt.</summary>
public sealed class AttemptScope
{
    public Guid Id { get; } = Guid.NewGuid();
}

/// <summary>Instance handlers: created per attempt with their services from the attempt's DI scope.</summary>
public sealed class NotificationCommands(Mailer mailer, AttemptScope scope)
{
    [DurexCommand("notify", UniqueKey = "notify-{UserId}", OnRecover = nameof(GiveUpAsync), Retries = 0)]
    public async Task<CommandResult> NotifyAsync(Notification notification, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (notification.Text == "boom")
        {
            throw new InvalidOperationException("the notification service is down");
        }

        mailer.Sent.Enqueue($"{notification.UserId}:{notification.Text}:{scope.Id}");
        return CommandResult.Empty;
    }

    public Task GiveUpAsync(Notification notification, Exception error, CommandContext context)
    {
        Recorder.Add($"gave up on {notification.UserId}: {error.Message}");
        return Task.CompletedTask;
    }
}
