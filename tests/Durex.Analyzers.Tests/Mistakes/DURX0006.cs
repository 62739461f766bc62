using Durex;

namespace Mistakes;

// DURX0006: a timeout of zero seconds.
public static class OutOfRangeCommands
{
    [DurexCommand("mistakes.sync", TimeoutSeconds = 0)]
    public static void Sync() { }
}
