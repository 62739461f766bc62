using System.Runtime.InteropServices;
using Durex.Cli;

// The first Ctrl+C or SIGTERM asks the command to stop (the dashboard shuts down cleanly); a second one ends the
// process at once, in case something does not listen.
using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

return await DurexCli.InvokeAsync(args, Console.Out, Console.Error,
    new DurexCliEnvironment { ErrorIsTerminal = !Console.IsErrorRedirected }, stop.Token);

void Stop(PosixSignalContext context)
{
    if (!stop.IsCancellationRequested)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
