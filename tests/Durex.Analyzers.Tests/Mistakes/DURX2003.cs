using Durex;

namespace Mistakes;

// DURX2003: the payload record is private, so the generated stubs and metadata cannot name it. C# already rejects a
// private parameter type on a public or internal method (CS0051), so the only compiling way to get there is a handler
// class that is itself private, which DURX0005 reports as well: this file is expected to report both.
public static class SecretCommands
{
    private sealed record Secret(string Value);

    private static class Handlers
    {
        [DurexCommand("mistakes.secret")]
        public static void Handle(Secret secret) { }
    }
}
