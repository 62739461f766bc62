using Durex;

namespace Mistakes;

// DURX0005: an instance handler in an abstract class, which cannot be created per attempt.
public abstract class AbstractReports
{
    [DurexCommand("mistakes.abstract-report")]
    public Task RunAsync() => Task.CompletedTask;
}
