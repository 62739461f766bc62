using Durex;

namespace Mistakes;

// DURX1003: the workflow's step starts the workflow again, so every run starts another.
[Workflow("forever")]
public sealed class ForeverWorkflow(IDurexClient client)
{
    [Step(1)]
    public async Task AgainAsync() => await Workflows.Forever.StartAsync(client);
}
