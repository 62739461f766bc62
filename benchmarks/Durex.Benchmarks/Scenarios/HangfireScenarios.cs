using System.Diagnostics;
using System.Globalization;
using Durex.Benchmarks.Backends;
using Hangfire;

namespace Durex.Benchmarks.Scenarios;

/// <summary>
/// The same scenarios on Hangfire 1.8 (Hangfire.InMemory, Hangfire.Storage.SQLite, Hangfire.PostgreSql), each with a
/// fresh storage, the same worker count and the same PostgreSQL server. What Hangfire cannot do is reported as such.
/// </summary>
internal static class HangfireScenarios
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);

    public static async Task<IReadOnlyList<Result>> EnqueueAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        using var backend = HangfireBackend.Create(store);
        var client = new BackgroundJobClient(backend.Storage);
        var measure = await Measure.StartAsync(backend.CountersAsync);
        for (var i = 0; i < jobs; i++)
        {
            ct.ThrowIfCancellationRequested();
            client.Enqueue(() => HangfireJobs.Noop());
        }

        measure.Stop();
        return
        [
            await measure.ReportAsync(Hangfire("enqueue", store, jobs, options, "single"), jobs, durex: false),
            NotApplicable("enqueue", store, jobs, options, "bulk", "Hangfire has no bulk enqueue (one Enqueue per job)"),
        ];
    }

    public static async Task<IReadOnlyList<Result>> DrainAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        HangfireJobs.Counter.Reset();
        using var backend = HangfireBackend.Create(store);
        var client = new BackgroundJobClient(backend.Storage);
        for (var i = 0; i < jobs; i++)
        {
            client.Enqueue(() => HangfireJobs.Noop());
        }

        using var progress = options.Progress ? HangfireJobs.Counter.StartProgress("hangfire drain", jobs) : null;
        var measure = await Measure.StartAsync(backend.CountersAsync);
        var timedOut = await RunServerUntilAsync(backend, options, () => HangfireJobs.Counter.Value >= jobs, ct);
        measure.Stop();
        var result = await measure.ReportAsync(Hangfire("drain", store, jobs, options), jobs, durex: false);
        return [Check(result, HangfireJobs.Counter.Value, jobs, timedOut)];
    }

    public static async Task<IReadOnlyList<Result>> EndToEndAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        HangfireJobs.Counter.Reset();
        using var backend = HangfireBackend.Create(store);
        var client = new BackgroundJobClient(backend.Storage);
        var measure = await Measure.StartAsync(backend.CountersAsync);
        using var server = backend.StartServer(options.Workers);
        for (var i = 0; i < jobs; i++)
        {
            client.Enqueue(() => HangfireJobs.Noop());
        }

        var timedOut = !await WaitForAsync(() => HangfireJobs.Counter.Value >= jobs, options.Timeout, ct);
        measure.Stop();
        server.SendStop();
        var result = await measure.ReportAsync(Hangfire("e2e", store, jobs, options), jobs, durex: false);
        return [Check(result, HangfireJobs.Counter.Value, jobs, timedOut)];
    }

    public static async Task<IReadOnlyList<Result>> LatencyAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        using var backend = HangfireBackend.Create(store);
        var client = new BackgroundJobClient(backend.Storage);
        var total = options.LatencyWarmup + jobs;
        var recorder = new LatencyRecorder(total);
        HangfireJobs.Latency = recorder;
        using (backend.StartServer(options.Workers))
        {
            var interval = Stopwatch.Frequency / (double)options.Rate;
            var origin = Stopwatch.GetTimestamp();
            for (var i = 0; i < total; i++)
            {
                await LatencyRecorder.WaitUntilAsync(origin + (long)(i * interval), ct);
                var index = i;
                var at = Stopwatch.GetTimestamp();
                client.Enqueue(() => HangfireJobs.Probe(index, at));
            }

            var sending = Stopwatch.GetElapsedTime(origin);
            var complete = await recorder.AllStarted.WaitUntil(options.Timeout, ct);
            HangfireJobs.Latency = null;
            var result = new Result(Systems.Hangfire, "latency", store, jobs, options.Workers) { Compared = ("p50_ms", false) };
            return [DurexScenarios.LatencyResult(result, recorder, options, jobs, sending, complete)];
        }
    }

    public static async Task<IReadOnlyList<Result>> WorkflowAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        // Sequences of three jobs with ContinueJobWith (Hangfire's continuations; no data passes between the steps).
        HangfireJobs.Counter.Reset();
        var sequences = Math.Max(1, jobs / 3);
        using var backend = HangfireBackend.Create(store);
        var client = new BackgroundJobClient(backend.Storage);
        var measure = await Measure.StartAsync(backend.CountersAsync);
        using (var server = backend.StartServer(options.Workers))
        {
            for (var i = 0; i < sequences; i++)
            {
                var first = client.Enqueue(() => HangfireJobs.Noop());
                var second = client.ContinueJobWith(first, () => HangfireJobs.Noop());
                client.ContinueJobWith(second, () => HangfireJobs.Noop());
            }

            var timedOut = !await WaitForAsync(() => HangfireJobs.Counter.Value >= sequences * 3L, options.Timeout, ct);
            measure.Stop();
            server.SendStop();
            var result = await measure.ReportAsync(Hangfire("workflow", store, sequences, options, "sequence3"), sequences, durex: false);
            result.Add("commands_per_s", sequences * 3 / measure.Elapsed.TotalSeconds);
            return
            [
                Check(result, HangfireJobs.Counter.Value / 3, sequences, timedOut),
                NotApplicable("workflow", store, jobs / 12, options, "fanout10", "fan-in (batches) is a Hangfire Pro feature"),
            ];
        }
    }

    public static Task<IReadOnlyList<Result>> ScaleAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Result>>(
        [
            NotApplicable("scale", store, jobs, options, $"rows_{options.ScaleLarge}",
                "prefilling a Hangfire storage with a million finished jobs through its client takes hours at its enqueue rate"),
        ]);

    public static Task<IReadOnlyList<Result>> MultiAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Result>>([NotApplicable("multi", store, jobs, options, null, "measured for Durex only")]);

    public static Task<IReadOnlyList<Result>> NoEquivalentAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Result>>([NotApplicable("pgbench", store, jobs, options, null, "a measurement of Durex's own SQL")]);

    /// <summary>Starts a server, waits for <paramref name="done"/>, stops it; true when the timeout ran out.</summary>
    private static async Task<bool> RunServerUntilAsync(HangfireBackend backend, BenchmarkOptions options, Func<bool> done, CancellationToken ct)
    {
        using var server = backend.StartServer(options.Workers);
        var timedOut = !await WaitForAsync(done, options.Timeout, ct);
        server.SendStop();
        return timedOut;
    }

    /// <summary>Hangfire has no completion signal for a set of jobs: poll the counter (adds up to 10 ms).</summary>
    private static async Task<bool> WaitForAsync(Func<bool> done, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(PollEvery, ct);
        }

        return true;
    }

    private static Result Check(Result result, long finished, int expected, bool timedOut)
    {
        if (timedOut || finished < expected)
        {
            result.Problem = string.Create(CultureInfo.InvariantCulture, $"{finished:N0} of {expected:N0} finished{(timedOut ? " (timed out)" : "")}");
        }

        return result;
    }

    private static Result Hangfire(string scenario, string store, int jobs, BenchmarkOptions options, string? mode = null) =>
        new(Systems.Hangfire, scenario, store, jobs, options.Workers) { Mode = mode, Compared = ("jobs_per_s", true) };

    private static Result NotApplicable(string scenario, string store, int jobs, BenchmarkOptions options, string? mode, string reason) =>
        new(Systems.Hangfire, scenario, store, jobs, options.Workers) { Mode = mode, Problem = reason, NotApplicable = true };
}
