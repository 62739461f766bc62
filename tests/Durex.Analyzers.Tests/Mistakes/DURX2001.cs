using Durex;

namespace Mistakes;

public sealed class Bag
{
    public object? Anything { get; set; }
}

// DURX2001: Bag has an object member, which the generated JSON metadata cannot express.
public static class BagCommands
{
    [DurexCommand("mistakes.bag")]
    public static void Handle(Bag bag) { }
}
