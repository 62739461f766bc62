// The worker process of the reliability suite (tests/Durex.Reliability.Tests/Processes). Two modes:
//
//   drain --store postgres|sqlite --connection <connection string | file> [--schema S] --out <file>
//         [--parallelism 8] [--lease-ms 30000] [--work-ms 0] [--retries 0] [--instance NAME] [--wait-go]
//
//     Runs every "rel" command: waits 0..work-ms, then appends the command's id to <file> and flushes it to the operating
//     system BEFORE returning, so an execution survives a SIGKILL that follows at once. Prints "ready <instance>" once the
//     store is initialized (and then waits for "go" on stdin with --wait-go), "started" once the executor runs, and runs
//     until stdin says "stop" (or closes): then stops gracefully and prints "done <executions>".
//
//   soak --connection <connection string> --schema S --seconds N --seed S [--sample-ms 2000] [--application-name A]
//
//     A mixed workload on PostgreSQL for N seconds (retries, delays, repeats, fan-out/fan-in, Next chains, unique keys,
//     cancellations of pending and running commands, dead letters, retention), memory sampled: see Soak.cs.
using Durex.Reliability.Worker;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Durex.Reliability.Worker drain|soak --option value ...");
    return 2;
}

var arguments = Arguments.Parse(args.AsSpan(1));
return args[0] switch
{
    "drain" => await Drain.RunAsync(arguments),
    "soak" => await Soak.RunAsync(arguments),
    _ => Usage(args[0]),
};

static int Usage(string mode)
{
    Console.Error.WriteLine($"unknown mode '{mode}': use drain or soak");
    return 2;
}
