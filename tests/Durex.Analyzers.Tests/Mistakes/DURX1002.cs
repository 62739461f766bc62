using Durex;

namespace Mistakes;

// DURX1002: the sequence goes on to "mistakes.archive", which no handler registers.
public static class UnknownSequenceUse
{
    [DurexCommand("mistakes.import")]
    public static void Import() { }

    public static CommandSpec Spec() => new("mistakes.import") { Sequence = { "mistakes.archive" } };
}
