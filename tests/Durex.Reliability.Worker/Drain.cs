using System.Globalization;
using Durex.PostgreSql;
using Durex.Sqlite;
using Durex.Storage;

namespace Durex.Reliability.Worker;

/// <summary>The "drain" mode: run "rel" commands, record each execution durably, until told to stop (or killed).</summary>
internal static class Drain
{
    public static async Task<int> RunAsync(Arguments arguments)
    {
        var storeKind = arguments.Required("store");
        var connection = arguments.Required("connection");
        var workMs = arguments.Int("work-ms", 0);
        var retries = arguments.Int("retries", 0);
        using var log = new ExecutionLog(arguments.Required("out"));
        using var loggerFactory = new StderrLoggerFactory("drain");

        await using ICommandStore store = storeKind switch
        {
            "postgres" => new PostgresStore(connection, new PostgresStoreOptions { Schema = arguments.Required("schema") }),
            "sqlite" => new SqliteStore(connection),
            _ => throw new ArgumentException($"--store must be postgres or sqlite, not '{storeKind}'."),
        };

        await using var executor = new Executor(store, o =>
        {
            o.Parallelism = arguments.Int("parallelism", 8);
            o.LeaseDuration = TimeSpan.FromMilliseconds(arguments.Int("lease-ms", 30_000));
            // SQLite has no cross-process wake-up: another process's enqueues and rescues are seen at the poll.
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.InstanceName = arguments.Optional("instance");
            o.LoggerFactory = loggerFactory;
        });

        // No retries by default, the library's default: a command held by a killed process is rescued and its lost
        // attempt given back (ExecutorOptions.MaxRescues), so surviving kills needs no retry budget.
        executor.Handle("rel", async (context, cancellationToken) =>
        {
            if (workMs > 0)
            {
                var work = Random.Shared.Next(workMs + 1);
                if (work > 0)
                {
                    await Task.Delay(work, cancellationToken);
                }
            }

            log.Record(context.Id);
            return CommandResult.Empty;
        }, c => c.Retries(retries));

        await store.InitializeAsync();
        Console.WriteLine($"ready {executor.InstanceName}");
        if (arguments.Flag("wait-go") && await Console.In.ReadLineAsync() != "go")
        {
            return 3;
        }

        await executor.StartAsync();
        Console.WriteLine("started");
        while (await Console.In.ReadLineAsync() is { } line && line != "stop")
        {
        }

        await executor.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {log.Count}"));
        return 0;
    }
}
