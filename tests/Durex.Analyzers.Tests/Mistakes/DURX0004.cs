using Durex;

namespace Mistakes;

public sealed record NotifyData(string UserId, string Text);

// DURX0004: the unique key names UserID; the payload has UserId.
public static class UniqueKeyCommands
{
    [DurexCommand("mistakes.notify", UniqueKey = "notify-{UserID}")]
    public static void Notify(NotifyData data) { }
}
