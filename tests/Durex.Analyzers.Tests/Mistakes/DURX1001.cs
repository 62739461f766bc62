using Durex;

namespace Mistakes;

// DURX1001: steps 1 and 3, no step 2.
[Workflow("gaps")]
public sealed class GapWorkflow
{
    [Step(1, NoCompensation = true)]
    public static Task FirstAsync() => Task.CompletedTask;

    [Step(3)]
    public static Task ThirdAsync() => Task.CompletedTask;
}
