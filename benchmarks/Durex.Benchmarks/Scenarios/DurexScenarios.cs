using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Durex.Benchmarks.Backends;
using Durex.Storage;

namespace Durex.Benchmarks.Scenarios;

/// <summary>The scenarios on Durex. Every run gets a fresh store from <see cref="DurexBackend"/>.</summary>
internal static class DurexScenarios
{
    private const string Noop = "noop";

    public static async Task<IReadOnlyList<Result>> EnqueueAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        var results = new List<Result>();

        // Single adds: one AddAsync (one insert, one round trip) per command.
        var single = Math.Min(jobs, store == Stores.Memory ? jobs : 20_000);
        await using (var backend = await DurexBackend.CreateAsync(store, ct))
        {
            await using var executor = NewExecutor(backend.Primary, options);
            var measure = await Measure.StartAsync(backend.CountersAsync);
            for (var i = 0; i < single; i++)
            {
                await executor.AddAsync(new CommandSpec(Noop), ct);
            }

            measure.Stop();
            results.Add(await measure.ReportAsync(Durex("enqueue", store, single, options, "single"), single));
        }

        // Bulk: AddManyAsync in chunks (PostgreSQL: binary COPY per chunk).
        await using (var backend = await DurexBackend.CreateAsync(store, ct))
        {
            await using var executor = NewExecutor(backend.Primary, options);
            var measure = await Measure.StartAsync(backend.CountersAsync);
            await AddNoopsAsync(executor, jobs, options.Chunk, ct);
            measure.Stop();
            results.Add(await measure.ReportAsync(Durex("enqueue", store, jobs, options, "bulk"), jobs));
        }

        return results;
    }

    public static async Task<IReadOnlyList<Result>> DrainAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        await using var backend = await DurexBackend.CreateAsync(store, ct);
        return [await DrainOnceAsync(backend, options, "drain", store, jobs, null, ct)];
    }

    public static async Task<IReadOnlyList<Result>> ScaleAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        var results = new List<Result>();
        foreach (var rows in new[] { options.ScaleSmall, options.ScaleLarge })
        {
            await using var backend = await DurexBackend.CreateAsync(store, ct);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scale: prefilling {rows:N0} completed commands on {store}"));
            await backend.PrefillCompletedAsync(rows, ct);
            results.Add(await DrainOnceAsync(backend, options, "scale", store, jobs, $"rows_{rows}", ct));
        }

        var small = results[0].Figure("jobs_per_s");
        var large = results[1].Figure("jobs_per_s");
        if (small > 0 && large is not null)
        {
            results[1].Add("of_small_rate", large.Value / small.Value, "F2");
        }

        return results;
    }

    public static async Task<IReadOnlyList<Result>> EndToEndAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        await using var backend = await DurexBackend.CreateAsync(store, ct);
        var counter = new JobCounter();
        await using var executor = NewExecutor(backend.Primary, options, counter);
        var done = counter.WhenReaches(jobs);
        var measure = await Measure.StartAsync(backend.CountersAsync);
        await executor.StartAsync(ct);
        // Enqueued while the executor runs, in chunks of 100: the path of an application that produces work steadily.
        await AddNoopsAsync(executor, jobs, 100, ct);
        var timedOut = !await done.WaitUntil(options.Timeout, ct);
        measure.Stop();
        await executor.StopAsync(CancellationToken.None);
        var result = await measure.ReportAsync(Durex("e2e", store, jobs, options), jobs);
        return [await VerifyAsync(result, backend.Primary, counter, jobs, timedOut)];
    }

    public static async Task<IReadOnlyList<Result>> LatencyAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        await using var backend = await DurexBackend.CreateAsync(store, ct);
        var client = await backend.OpenSecondHandleAsync(ct);
        var total = options.LatencyWarmup + jobs;
        var recorder = new LatencyRecorder(total);
        var enqueuedAt = new ConcurrentDictionary<Guid, (int Index, long At)>();
        await using var executor = NewExecutor(backend.Primary, options);
        executor.Handle("probe", (ctx, _) =>
        {
            if (enqueuedAt.TryGetValue(ctx.Id, out var sent))
            {
                recorder.Record(sent.Index, sent.At);
            }

            return ValueTask.FromResult(CommandResult.Empty);
        });
        await executor.StartAsync(ct);

        var interval = Stopwatch.Frequency / (double)options.Rate;
        var origin = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            await LatencyRecorder.WaitUntilAsync(origin + (long)(i * interval), ct);
            var command = executor.CreateCommand(new CommandSpec("probe"));
            enqueuedAt[command.Id] = (i, Stopwatch.GetTimestamp());
            await client.EnqueueAsync([command], ct);
        }

        var sending = Stopwatch.GetElapsedTime(origin);
        var complete = await recorder.AllStarted.WaitUntil(options.Timeout, ct);
        await executor.StopAsync(CancellationToken.None);
        return [LatencyResult(Durex("latency", store, jobs, options), recorder, options, jobs, sending, complete)];
    }

    public static async Task<IReadOnlyList<Result>> WorkflowAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        var results = new List<Result>(2);

        // Sequences of three steps: each step passes its data on with ContinueSequence.
        results.Add(await RunWorkflowAsync(options, store, "sequence3", Math.Max(1, jobs / 3), 3, (executor, finished) =>
        {
            executor.Handle("step1", (ctx, _) => ValueTask.FromResult(ctx.ContinueSequence()));
            executor.Handle("step2", (ctx, _) => ValueTask.FromResult(ctx.ContinueSequence()));
            executor.Handle("step3", (_, _) =>
            {
                finished.Increment();
                return ValueTask.FromResult(CommandResult.Empty);
            });
            return new CommandSpec("step1") { Sequence = { "step2", "step3" } };
        }, ct));

        // Fan-out of 10 children and a continuation that runs when all of them completed.
        results.Add(await RunWorkflowAsync(options, store, "fanout10", Math.Max(1, jobs / 12), 12, (executor, joined) =>
        {
            executor.Handle("fan", (_, _) => ValueTask.FromResult(
                CommandResult.SpawnThen(Enumerable.Range(0, 10).Select(_ => new CommandSpec("leaf")), new CommandSpec("join"))));
            executor.Handle("leaf", (_, _) => ValueTask.FromResult(CommandResult.Empty));
            executor.Handle("join", (ctx, _) =>
            {
                if (ctx.FanInResults.Count == 10)
                {
                    joined.Increment();
                }

                return ValueTask.FromResult(CommandResult.Empty);
            });
            return new CommandSpec("fan");
        }, ct));

        return results;
    }

    /// <summary>Several executor processes on one PostgreSQL database (this program in worker mode), 1, 2 and 4 of them.</summary>
    public static async Task<IReadOnlyList<Result>> MultiAsync(BenchmarkOptions options, string store, int jobs, CancellationToken ct)
    {
        if (store != Stores.Postgres)
        {
            return [new Result(Systems.Durex, "multi", store, jobs, options.Workers) { Problem = "multi runs on PostgreSQL only", NotApplicable = true }];
        }

        var results = new List<Result>();
        foreach (var processes in options.MultiProcesses)
        {
            await using var backend = await DurexBackend.CreateAsync(store, ct);
            await using (var executor = NewExecutor(backend.Primary, options))
            {
                await AddNoopsAsync(executor, jobs, options.Chunk, ct);
            }

            var (executed, measure) = await WorkerProcesses.RunAsync(processes, backend.WorkerArguments!, options, () => Measure.StartAsync(backend.CountersAsync), ct);
            var result = await measure.ReportAsync(Durex("multi", store, jobs, options, $"processes_{processes}"), jobs, durex: false);
            result.Add("processes", processes).Add("executed_per_process", string.Join('/', executed));
            // Exactly once: as many executions as commands, and every command completed at its first attempt (no rescue).
            var once = await ((PostgresBackend)backend).CompletedAtFirstAttemptAsync();
            if (executed.Sum() != jobs || once != jobs)
            {
                result.Problem = string.Create(CultureInfo.InvariantCulture,
                    $"{executed.Sum():N0} executions and {once:N0} commands completed at their first attempt, for {jobs:N0} commands");
            }

            results.Add(result);
        }

        if (results.Count > 1 && results[0].Figure("jobs_per_s") is > 0 and var one)
        {
            foreach (var result in results.Skip(1))
            {
                result.Add("speedup_vs_1", result.Figure("jobs_per_s")!.Value / one, "F2");
            }
        }

        return results;
    }

    internal static Executor NewExecutor(ICommandStore store, BenchmarkOptions options, JobCounter? counter = null)
    {
        var executor = new Executor(store, o =>
        {
            o.Parallelism = options.Workers;
            o.ClaimBatchSize = options.ClaimBatch;
            o.ApplyBatchSize = options.ApplyBatch;
        });
        executor.Handle(Noop, (_, _) =>
        {
            counter?.Increment();
            return ValueTask.FromResult(CommandResult.Empty);
        });
        return executor;
    }

    internal static Task AddNoopsAsync(Executor executor, int jobs, int chunk, CancellationToken ct) =>
        AddManyAsync(executor, jobs, chunk, () => new CommandSpec(Noop), ct);

    private static async Task AddManyAsync(Executor executor, int count, int chunk, Func<CommandSpec> spec, CancellationToken ct)
    {
        var specs = new List<CommandSpec>(Math.Min(chunk, count));
        for (var added = 0; added < count; added += specs.Count)
        {
            specs.Clear();
            for (var i = 0; i < Math.Min(chunk, count - added); i++)
            {
                specs.Add(spec());
            }

            await executor.AddManyAsync(specs, ct);
        }
    }

    /// <summary>
    /// One workflow measurement: <paramref name="register"/> adds the handlers (counting finished workflows) and returns
    /// the spec that starts one; <paramref name="count"/> of them are enqueued, then drained.
    /// </summary>
    private static async Task<Result> RunWorkflowAsync(BenchmarkOptions options, string store, string mode, int count, int commandsEach,
        Func<Executor, JobCounter, CommandSpec> register, CancellationToken ct)
    {
        await using var backend = await DurexBackend.CreateAsync(store, ct);
        var finished = new JobCounter();
        await using var executor = NewExecutor(backend.Primary, options);
        var first = register(executor, finished);
        var done = finished.WhenReaches(count);
        await AddManyAsync(executor, count, options.Chunk, first.Clone, ct);

        var measure = await Measure.StartAsync(backend.CountersAsync);
        await executor.StartAsync(ct);
        var timedOut = !await done.WaitUntil(options.Timeout, ct);
        measure.Stop();
        await executor.StopAsync(CancellationToken.None);
        var result = await measure.ReportAsync(Durex("workflow", store, count, options, mode), count);
        result.Add("commands_per_s", count * commandsEach / measure.Elapsed.TotalSeconds);
        return Check(result, finished.Value, count, timedOut);
    }

    internal static Result LatencyResult(Result result, LatencyRecorder recorder, BenchmarkOptions options, int jobs, TimeSpan sending, bool complete)
    {
        var sorted = recorder.Sorted(options.LatencyWarmup);
        result.Add("rate", options.Rate).Add("achieved_rate", (options.LatencyWarmup + jobs) / sending.TotalSeconds)
            .Add("p50_ms", LatencyRecorder.Percentile(sorted, 50), "F2").Add("p95_ms", LatencyRecorder.Percentile(sorted, 95), "F2")
            .Add("p99_ms", LatencyRecorder.Percentile(sorted, 99), "F2").Add("max_ms", LatencyRecorder.Percentile(sorted, 100), "F2");
        if (!complete)
        {
            result.Problem = string.Create(CultureInfo.InvariantCulture, $"only {recorder.Started - options.LatencyWarmup:N0} of {jobs:N0} started");
        }

        return result;
    }

    private static async Task<Result> DrainOnceAsync(DurexBackend backend, BenchmarkOptions options, string scenario, string store, int jobs, string? mode, CancellationToken ct)
    {
        var counter = new JobCounter();
        await using var executor = NewExecutor(backend.Primary, options, counter);
        await AddNoopsAsync(executor, jobs, options.Chunk, ct);
        using var progress = options.Progress ? counter.StartProgress(scenario, jobs) : null;
        var measure = await Measure.StartAsync(backend.CountersAsync);
        await executor.StartAsync(ct);
        var timedOut = false;
        try
        {
            await executor.WaitForIdleAsync(ct).WaitAsync(options.Timeout, ct);
        }
        catch (TimeoutException)
        {
            timedOut = true;
        }

        measure.Stop();
        await executor.StopAsync(CancellationToken.None);
        var result = await measure.ReportAsync(Durex(scenario, store, jobs, options, mode), jobs);
        return await VerifyAsync(result, backend.Primary, counter, jobs, timedOut);
    }

    /// <summary>The handler count and the store's own statistics must both say every command completed.</summary>
    private static async Task<Result> VerifyAsync(Result result, ICommandStore store, JobCounter? counter, int jobs, bool timedOut)
    {
        var completed = (await store.GetStatisticsAsync(new() { Now = DateTimeOffset.UtcNow }, CancellationToken.None)).Counts[CommandStatus.Completed];
        if (timedOut)
        {
            result.Problem = "timed out";
        }
        else if (counter is not null && counter.Value != jobs)
        {
            result.Problem = string.Create(CultureInfo.InvariantCulture, $"the handler ran {counter.Value:N0} times for {jobs:N0} commands");
        }
        else if (completed < jobs)
        {
            result.Problem = string.Create(CultureInfo.InvariantCulture, $"the store reports {completed:N0} completed of {jobs:N0}");
        }

        return result;
    }

    private static Result Check(Result result, long finished, int expected, bool timedOut)
    {
        if (timedOut || finished != expected)
        {
            result.Problem = string.Create(CultureInfo.InvariantCulture, $"{finished:N0} of {expected:N0} finished{(timedOut ? " (timed out)" : "")}");
        }

        return result;
    }

    private static Result Durex(string scenario, string store, int jobs, BenchmarkOptions options, string? mode = null) =>
        new(Systems.Durex, scenario, store, jobs, options.Workers)
        {
            Mode = mode,
            Compared = scenario == "latency" ? ("p50_ms", false) : ("jobs_per_s", true),
        };
}

/// <summary>The libraries measured.</summary>
internal static class Systems
{
    public const string Durex = "durex";
    public const string Hangfire = "hangfire";
}
