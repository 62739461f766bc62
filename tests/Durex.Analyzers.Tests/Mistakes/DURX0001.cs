using Durex;

namespace Mistakes;

// DURX0001: a command name with a space.
public static class InvalidNameCommands
{
    [DurexCommand("send email")]
    public static void Send() { }
}
