using System.Diagnostics;
using System.Globalization;
using Durex.Benchmarks.Backends;
using Npgsql;

namespace Durex.Benchmarks.Scenarios;

/// <summary>
/// How fast PostgreSQL itself runs the drain's SQL on this machine, with no client work: N commands enqueued by the
/// store (COPY), then <c>pgbench</c> runs claim-apply.pgbench.sql (the store's claim with its settings, then the apply
/// and its two history rows, 500 commands a round) from 2 connections — the producer's and the completer's — until
/// nothing is left. Against the <c>drain</c> figure it shows the share of the drain spent inside PostgreSQL.
/// </summary>
internal static class PgbenchScenario
{
    private const int Batch = 500;
    private const int Clients = 2;

    public static async Task<IReadOnlyList<Result>> RunAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        if (store != Stores.Postgres)
        {
            return [new Result(Systems.Durex, "pgbench", store, jobs, Clients) { Problem = "pgbench runs on PostgreSQL only", NotApplicable = true }];
        }

        var result = new Result(Systems.Durex, "pgbench", store, jobs, Clients);

        var pgbench = Directory.GetFiles("/usr/lib/postgresql", "pgbench", SearchOption.AllDirectories).FirstOrDefault();
        if (pgbench is null)
        {
            result.Problem = "pgbench not found under /usr/lib/postgresql";
            return [result];
        }

        await using var backend = await DurexBackend.CreateAsync(store, ct);
        await using (var executor = DurexScenarios.NewExecutor(backend.Primary, options))
        {
            await DurexScenarios.AddNoopsAsync(executor, jobs, options.Chunk, ct);
        }

        var server = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString);
        var rounds = (jobs + Batch - 1) / Batch;
        var start = new ProcessStartInfo(pgbench)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "-n", "-f", Path.Combine(AppContext.BaseDirectory, "claim-apply.pgbench.sql"),
                "-c", Clients.ToString(CultureInfo.InvariantCulture), "-j", Clients.ToString(CultureInfo.InvariantCulture),
                "-t", ((rounds + Clients - 1) / Clients).ToString(CultureInfo.InvariantCulture),
                "-D", $"schema={backend.WorkerArguments!.Split(' ')[1]}",
                "-h", server.Host!, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.Username ?? "postgres", server.Database ?? "postgres",
            },
        };
        var measure = await Measure.StartAsync(backend.CountersAsync);
        using var process = Process.Start(start)!;
        await using var kill = ct.Register(() => process.Kill());
        var reading = Task.WhenAll(process.StandardOutput.ReadToEndAsync(ct), process.StandardError.ReadToEndAsync(ct)); // both, or a full pipe blocks pgbench
        await process.WaitForExitAsync(ct).WaitAsync(options.Timeout, ct);
        var texts = await reading;
        var (output, errors) = (texts[0], texts[1]);
        measure.Stop();
        await measure.ReportAsync(result, jobs, durex: false);

        var completed = await ((PostgresBackend)backend).CompletedAtFirstAttemptAsync();
        result.Add("completed", completed);
        if (process.ExitCode != 0 || completed != jobs)
        {
            var said = $"{errors.Trim()} {output.Trim()}".Trim();
            result.Problem = string.Create(CultureInfo.InvariantCulture, $"pgbench exited with {process.ExitCode} and completed {completed:N0} of {jobs:N0}: {said}");
        }

        return [result];
    }
}
