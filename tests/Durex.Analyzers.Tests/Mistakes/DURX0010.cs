using Durex;

namespace Mistakes;

// DURX0010: no handler registers "mistakes.sync-all" (the handler is "mistakes.sync").
public static class UnknownCommandUse
{
    public static CommandSpec Spec() => new("mistakes.sync-all");
}
