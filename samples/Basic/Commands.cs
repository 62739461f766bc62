using Durex;

namespace Basic;

public sealed record Customer(string Name, string Email);

public sealed record Email(string To, string Subject);

/// <summary>
/// The sample's commands. Each <c>[DurexCommand]</c> method becomes a durable command: the source generator writes its
/// registration (<c>executor.AddGeneratedCommands()</c>), a typed stub to enqueue it (<c>Jobs.SendEmail.EnqueueAsync</c>)
/// and the JSON metadata of its payload.
/// </summary>
public static class DemoCommands
{
    private static int _heartbeats;

    /// <summary>How many times the heartbeat ran in this process.</summary>
    public static int HeartbeatRuns => Volatile.Read(ref _heartbeats);

    [DurexCommand("welcome")]
    public static void Welcome(Customer customer) => Print($"welcome: hello {customer.Name} <{customer.Email}>");

    // Retries = 3 allows four attempts. The mail server is "busy" for the first two; the attempts are spaced by the
    // executor's backoff (1 s, Program.cs), and each one is in the command's history.
    [DurexCommand("sendEmail", Retries = 3, TimeoutSeconds = 30, Tags = ["email"])]
    public static void SendEmail(Email email, CommandContext context)
    {
        if (context.Attempt <= 2)
        {
            Print($"sendEmail: attempt {context.Attempt} failed (mail server busy), {context.RetriesLeft} retries left");
            throw new InvalidOperationException("mail server busy (simulated)");
        }

        Print($"sendEmail: sent \"{email.Subject}\" to {email.To} on attempt {context.Attempt}");
    }

    // Repeat() schedules the next run one period later, for as long as an executor runs. With Cron = "*/10 * * * * *"
    // instead of PeriodSeconds it would run at every tenth second of the clock.
    [DurexCommand("heartbeat", PeriodSeconds = 2)]
    public static CommandResult Heartbeat()
    {
        Print($"heartbeat: run {Interlocked.Increment(ref _heartbeats)}");
        return CommandResult.Repeat();
    }

    public static void Print(string line) => Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff}  {line}");
}
