using System.Diagnostics;
using System.Globalization;
using Durex.Benchmarks.Backends;
using Durex.PostgreSql;
using Durex.Storage;

namespace Durex.Benchmarks.Scenarios;

/// <summary>
/// The <c>multi</c> scenario's processes: this program started again as <c>worker --schema S</c>. Each worker opens its
/// own PostgresStore on the schema, says "ready", starts its executor on "go", runs until nothing is left to claim,
/// and prints "done N" with the commands it executed.
/// </summary>
internal static class WorkerProcesses
{
    public static async Task<(int[] Executed, Measure Measure)> RunAsync(
        int count, string workerArguments, BenchmarkOptions options, Func<Task<Measure>> startMeasure, CancellationToken ct)
    {
        var processes = new List<Process>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!)
                {
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                };
                if (!Environment.ProcessPath!.EndsWith("Durex.Benchmarks", StringComparison.Ordinal))
                {
                    start.ArgumentList.Add(typeof(WorkerProcesses).Assembly.Location); // `dotnet Durex.Benchmarks.dll`
                }

                start.ArgumentList.Add("worker");
                foreach (var argument in $"{workerArguments} --workers {options.Workers} --claim-batch {options.ClaimBatch} --apply-batch {options.ApplyBatch}".Split(' '))
                {
                    start.ArgumentList.Add(argument);
                }

                processes.Add(Process.Start(start)!);
            }

            foreach (var process in processes)
            {
                var line = await process.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(options.Timeout, ct);
                if (line != "ready")
                {
                    throw new InvalidOperationException($"a worker process said '{line}' instead of 'ready'");
                }
            }

            var measure = await startMeasure();
            foreach (var process in processes)
            {
                await process.StandardInput.WriteLineAsync("go");
                await process.StandardInput.FlushAsync(ct);
            }

            var executed = new int[count];
            for (var i = 0; i < count; i++)
            {
                var line = await processes[i].StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(options.Timeout, ct) ?? ""; // killed below on a timeout
                executed[i] = line.StartsWith("done ", StringComparison.Ordinal) ? int.Parse(line[5..], CultureInfo.InvariantCulture) : -1;
            }

            measure.Stop();
            foreach (var process in processes)
            {
                await process.WaitForExitAsync(ct);
            }

            return (executed, measure);
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                process.Dispose();
            }
        }
    }

    /// <summary>The worker side (<c>worker --schema S --workers W --claim-batch B --apply-batch A</c>).</summary>
    public static async Task<int> WorkAsync(BenchmarkOptions options)
    {
        await using var store = new PostgresStore(PostgresServer.ConnectionString, new PostgresStoreOptions { Schema = options.Schema! });
        await store.InitializeAsync();
        var counter = new JobCounter();
        await using var executor = DurexScenarios.NewExecutor(store, options, counter);
        Console.WriteLine("ready");
        if (Console.ReadLine() != "go")
        {
            return 3;
        }

        await executor.StartAsync();
        while (true)
        {
            await executor.WaitForIdleAsync();
            // Nothing left to claim: what is still STARTED belongs to another process, which finishes it itself.
            if ((await executor.GetStatisticsAsync()).Counts[CommandStatus.Pending] == 0)
            {
                break;
            }
        }

        await executor.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {counter.Value}"));
        return 0;
    }
}
