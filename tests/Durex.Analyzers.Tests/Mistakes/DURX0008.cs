using Durex;

namespace Mistakes;

// DURX0008: two handlers for one command name (reported at both).
public static class DuplicateNameCommands
{
    [DurexCommand("mistakes.twice")]
    public static void One() { }

    [DurexCommand("mistakes.twice")]
    public static void Two() { }
}
