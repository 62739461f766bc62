using Durex;

namespace Mistakes;

// DURX0002: async void cannot be awaited by the generated code.
public static class AsyncVoidCommands
{
    [DurexCommand("mistakes.report")]
    public static async void Report() => await Task.Yield();
}
