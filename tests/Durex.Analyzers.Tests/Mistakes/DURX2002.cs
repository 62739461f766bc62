using Durex;

namespace Mistakes;

public interface IEvent
{
    string Id { get; }
}

// DURX2002: the payload is an interface: the stored JSON cannot say which type to read back.
public static class EventCommands
{
    [DurexCommand("mistakes.event")]
    public static void Handle(IEvent e) { }
}
