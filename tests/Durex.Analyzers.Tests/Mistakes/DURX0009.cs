using Durex;

namespace Mistakes;

// DURX0009: hour 25 does not exist.
public static class CronCommands
{
    [DurexCommand("mistakes.nightly", Cron = "0 25 * * *")]
    public static CommandResult Nightly() => CommandResult.Repeat();
}
