using System.Diagnostics;
using System.Globalization;
using Durex.PostgreSql;
using Durex.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Durex.Reliability.Worker;

/// <summary>
/// The "soak" mode: a seeded mixed workload on PostgreSQL for a while, then a drain. Prints to stdout:
/// <list type="bullet">
/// <item><c>sample &lt;seconds&gt; &lt;rss bytes&gt; &lt;managed heap after a full GC&gt; &lt;executions&gt; &lt;enqueued&gt;</c> every --sample-ms;</item>
/// <item><c>drained &lt;seconds&gt; active=&lt;n&gt;</c> once no command is active (or the drain deadline passed);</item>
/// <item><c>final ...</c> (a sample taken idle), <c>summary key=value ...</c> (what was enqueued, run and cancelled), <c>idle</c>;</item>
/// <item>after "stop" on stdin: stops the executor, disposes the store and prints <c>disposed</c>, then exits at "exit".</item>
/// </list>
/// </summary>
internal static class Soak
{
    /// <summary>The pool's ceiling; the test checks the backends of this application name never exceed it.</summary>
    public const int MaxPoolSize = 20;

    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(90);

    public static async Task<int> RunAsync(Arguments arguments)
    {
        var duration = TimeSpan.FromSeconds(arguments.Int("seconds", 30));
        var seed = arguments.Int("seed", 1);
        var sampleEvery = TimeSpan.FromMilliseconds(arguments.Int("sample-ms", 2000));
        var connectionString = new NpgsqlConnectionStringBuilder(arguments.Required("connection"))
        {
            ApplicationName = arguments.Optional("application-name") ?? "durex-soak",
            MaxPoolSize = MaxPoolSize,
        }.ConnectionString;

        var counters = new Counters();
        var loggerFactory = new CountingLoggerFactory(counters);
        var store = new PostgresStore(connectionString, new PostgresStoreOptions { Schema = arguments.Required("schema") });
        var executor = new Executor(store, o =>
        {
            o.Parallelism = 8;
            o.UseDeadLetterQueue();
            o.Retention.CleanupInterval = TimeSpan.FromSeconds(5);
            o.Retention.Completed = TimeSpan.FromSeconds(10); // completed rows are deleted as the soak goes: the table stays small
            o.StatisticsInterval = TimeSpan.FromSeconds(5);
            o.LoggerFactory = loggerFactory;
        });
        Register(executor, counters);
        await executor.StartAsync();
        Console.WriteLine($"started {executor.InstanceName}");

        var clock = Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(sampleEvery);
            while (await timer.WaitForNextTickAsync(sampling.Token).ConfigureAwait(false))
            {
                Console.WriteLine("sample " + Sample(clock, counters));
            }
        });

        await new Generator(executor, counters, seed).RunAsync(duration);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated {clock.Elapsed.TotalSeconds:F1}"));

        // Drain: everything generated reaches a terminal state (delays are at most 2 s, long-delayed commands were cancelled).
        var drainStarted = clock.Elapsed;
        long active;
        while (true)
        {
            var counts = (await executor.GetStatisticsAsync()).Counts;
            active = counts[CommandStatus.Pending] + counts[CommandStatus.Waiting] + counts[CommandStatus.Started] + counts[CommandStatus.Repeating];
            if (active == 0 || clock.Elapsed - drainStarted > DrainDeadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        await sampling.CancelAsync();
        await sampler.ContinueWith(_ => { }, TaskScheduler.Default);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"drained {(clock.Elapsed - drainStarted).TotalSeconds:F1} active={active}"));
        if (active > 0)
        {
            var stuck = await store.FindAsync(new CommandQuery
            {
                Statuses = [CommandStatus.Pending, CommandStatus.Waiting, CommandStatus.Started, CommandStatus.Repeating],
                Limit = 20,
            });
            foreach (var command in stuck.Items)
            {
                Console.Error.WriteLine($"stuck: {command} ready {command.ReadyAt:O} lease {command.LeaseOwner} until {command.LeaseExpiresAt:O}");
            }
        }

        Console.WriteLine("final " + Sample(clock, counters));
        Console.WriteLine("summary " + counters);
        Console.WriteLine("idle");

        while (await Console.In.ReadLineAsync() is { } line && line != "stop")
        {
        }

        await executor.DisposeAsync();
        await store.DisposeAsync();
        Console.WriteLine("disposed");
        while (await Console.In.ReadLineAsync() is { } line && line != "exit")
        {
        }

        return 0;
    }

    private static string Sample(Stopwatch clock, Counters counters)
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return string.Create(CultureInfo.InvariantCulture,
            $"{clock.Elapsed.TotalSeconds:F1} {process.WorkingSet64} {heap} {counters.Executions} {counters.Enqueued}");
    }

    private static void Register(Executor executor, Counters counters)
    {
        executor.Handle("soak.ok", async (_, _) =>
        {
            await Task.Yield();
            counters.Increment(ref counters.OkRuns);
            return CommandResult.Empty;
        });

        // Fails its first attempt, succeeds on the retry.
        executor.Handle("soak.flaky", (context, _) =>
        {
            counters.Increment(ref counters.FlakyRuns);
            if (context.Attempt == 1)
            {
                throw new InvalidOperationException("soak: the first attempt of a flaky command fails");
            }

            return ValueTask.FromResult(CommandResult.Empty);
        }, c => c.Retries(3).Backoff(Backoff.Constant(TimeSpan.FromMilliseconds(50))));

        // Always fails: two attempts, then the dead-letter queue.
        executor.Handle("soak.failing", (_, _) =>
        {
            counters.Increment(ref counters.FailingRuns);
            throw new InvalidOperationException("soak: this command always fails");
        }, c => c.Retries(1).Backoff(Backoff.Constant(TimeSpan.FromMilliseconds(20))));

        // Runs four times (repeating three times), then completes.
        executor.Handle("soak.repeat", (context, _) =>
        {
            counters.Increment(ref counters.RepeatRuns);
            var n = context.Data.GetInt32("n");
            if (n < 3)
            {
                context.Set("n", n + 1);
                return ValueTask.FromResult(CommandResult.Repeat(TimeSpan.FromMilliseconds(50)));
            }

            return ValueTask.FromResult(CommandResult.Empty);
        });

        // Fan-out/fan-in: three children, then a join that checks what they produced.
        executor.Handle("soak.parent", (_, _) =>
        {
            counters.Increment(ref counters.ParentRuns);
            var children = Enumerable.Range(0, 3).Select(i => new CommandSpec("soak.child") { Data = { ["i"] = i } });
            return ValueTask.FromResult(CommandResult.SpawnThen(children, new CommandSpec("soak.join")));
        });
        executor.Handle("soak.child", (context, _) =>
        {
            counters.Increment(ref counters.ChildRuns);
            context.Set("v", context.Data.GetInt32("i") * 2);
            return ValueTask.FromResult(CommandResult.Empty);
        });
        executor.Handle("soak.join", (context, _) =>
        {
            counters.Increment(ref counters.JoinRuns);
            var sum = context.FanInResults.Sum(r => r.Data.GetInt32("v"));
            if (context.FanInResults.Count != 3 || sum != 6)
            {
                counters.Increment(ref counters.JoinBad);
                throw new PermanentFailureException($"soak: the join saw {context.FanInResults.Count} results summing to {sum}, expected 3 summing to 6");
            }

            return ValueTask.FromResult(CommandResult.Empty);
        });

        // A Next chain.
        executor.Handle("soak.step1", (context, _) =>
        {
            counters.Increment(ref counters.Step1Runs);
            return ValueTask.FromResult(CommandResult.Next(new CommandSpec("soak.step2") { Data = { ["from"] = context.Id } }));
        });
        executor.Handle("soak.step2", (_, _) =>
        {
            counters.Increment(ref counters.Step2Runs);
            return ValueTask.FromResult(CommandResult.Empty);
        });

        // Long enough to be cancelled while it runs (its token is honoured).
        executor.Handle("soak.slow", async (_, cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            counters.Increment(ref counters.SlowDone);
            return CommandResult.Empty;
        });

        // Enqueued with a long delay and always cancelled before it is due: must never run.
        executor.Handle("soak.later", (_, _) =>
        {
            counters.Increment(ref counters.LaterRuns);
            return ValueTask.FromResult(CommandResult.Empty);
        });
    }

    /// <summary>The seeded load: one action every few milliseconds, with back-pressure when the queue grows.</summary>
    private sealed class Generator(Executor executor, Counters counters, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly List<(TimeSpan Due, Guid? Id, string? Tag, bool Slow)> _cancels = [];
        private int _tags;

        public async Task RunAsync(TimeSpan duration)
        {
            var clock = Stopwatch.StartNew();
            var nextPressureCheck = TimeSpan.Zero;
            var paused = false;
            while (clock.Elapsed < duration)
            {
                if (clock.Elapsed >= nextPressureCheck)
                {
                    var statistics = await executor.GetStatisticsAsync();
                    paused = statistics.QueueDepth > 3000; // a slow moment of the shared machine: let the executor catch up
                    nextPressureCheck = clock.Elapsed + TimeSpan.FromSeconds(1);
                }

                if (!paused)
                {
                    await ActAsync(clock.Elapsed);
                }

                await CancelDueAsync(clock.Elapsed, all: false);
                await Task.Delay(20);
            }

            await CancelDueAsync(TimeSpan.MaxValue, all: true);
        }

        private async Task ActAsync(TimeSpan now)
        {
            var roll = _random.Next(100);
            switch (roll)
            {
                case < 10:
                    var count = _random.Next(20, 101); // more than 64 goes through COPY
                    await executor.AddManyAsync(Enumerable.Range(0, count).Select(_ => new CommandSpec("soak.ok")));
                    counters.Add(ref counters.OkEnqueued, count);
                    break;
                case < 35:
                    await executor.AddAsync(new CommandSpec("soak.ok"));
                    counters.Increment(ref counters.OkEnqueued);
                    break;
                case < 50:
                    await executor.AddAsync(new CommandSpec("soak.ok") { Delay = TimeSpan.FromMilliseconds(_random.Next(2000)) });
                    counters.Increment(ref counters.OkEnqueued);
                    break;
                case < 60:
                    await executor.AddAsync(new CommandSpec("soak.flaky"));
                    counters.Increment(ref counters.FlakyEnqueued);
                    break;
                case < 63:
                    await executor.AddAsync(new CommandSpec("soak.failing"));
                    counters.Increment(ref counters.FailingEnqueued);
                    break;
                case < 71:
                    await executor.AddAsync(new CommandSpec("soak.repeat") { Data = { ["n"] = 0 } });
                    counters.Increment(ref counters.RepeatEnqueued);
                    break;
                case < 79:
                    await executor.AddAsync(new CommandSpec("soak.parent"));
                    counters.Increment(ref counters.ParentEnqueued);
                    break;
                case < 87:
                    await executor.AddAsync(new CommandSpec("soak.step1"));
                    counters.Increment(ref counters.Step1Enqueued);
                    break;
                case < 90:
                    var slow = await executor.AddAsync(new CommandSpec("soak.slow"));
                    counters.Increment(ref counters.SlowEnqueued);
                    _cancels.Add((now + TimeSpan.FromMilliseconds(_random.Next(1500)), slow.Id, null, true));
                    break;
                case < 94:
                    var later = await executor.AddAsync(new CommandSpec("soak.later") { Delay = TimeSpan.FromMinutes(1) });
                    counters.Increment(ref counters.LaterEnqueued);
                    _cancels.Add((now + TimeSpan.FromMilliseconds(_random.Next(2000)), later.Id, null, false));
                    break;
                case < 96:
                    var tag = "soak-group-" + (++_tags).ToString(CultureInfo.InvariantCulture);
                    var group = Enumerable.Range(0, 5).Select(_ => new CommandSpec("soak.later") { Delay = TimeSpan.FromMinutes(1), Tags = { tag } });
                    await executor.AddManyAsync(group);
                    counters.Add(ref counters.LaterEnqueued, 5);
                    _cancels.Add((now + TimeSpan.FromMilliseconds(_random.Next(2000)), null, tag, false));
                    break;
                default:
                    try
                    {
                        // Delayed, so that the key stays held for a while and some adds are refused.
                        await executor.AddAsync(new CommandSpec("soak.ok")
                        {
                            UniqueKey = "soak-unique-" + _random.Next(10).ToString(CultureInfo.InvariantCulture),
                            Delay = TimeSpan.FromMilliseconds(_random.Next(1000)),
                        });
                        counters.Increment(ref counters.OkEnqueued);
                    }
                    catch (DuplicateCommandException)
                    {
                        counters.Increment(ref counters.UniqueRefused);
                    }

                    break;
            }
        }

        private async Task CancelDueAsync(TimeSpan now, bool all)
        {
            for (var i = _cancels.Count - 1; i >= 0; i--)
            {
                var (due, id, tag, slow) = _cancels[i];
                if (!all && due > now)
                {
                    continue;
                }

                _cancels.RemoveAt(i);
                if (tag is not null)
                {
                    var cancelled = await executor.CancelByTagAsync(tag);
                    counters.Add(ref counters.Cancelled, cancelled);
                    continue;
                }

                try
                {
                    await executor.CancelAsync(id!.Value, "soak");
                    counters.Increment(ref counters.Cancelled);
                    if (slow)
                    {
                        counters.Increment(ref counters.SlowCancelled);
                    }
                }
                catch (InvalidCommandStateException)
                {
                    counters.Increment(ref counters.CancelTooLate); // a slow command that finished first
                }
            }
        }
    }
}

/// <summary>What the soak enqueued, ran and cancelled; printed as <c>key=value</c> pairs.</summary>
internal sealed class Counters
{
    public long OkEnqueued, OkRuns, UniqueRefused;
    public long FlakyEnqueued, FlakyRuns;
    public long FailingEnqueued, FailingRuns;
    public long RepeatEnqueued, RepeatRuns;
    public long ParentEnqueued, ParentRuns, ChildRuns, JoinRuns, JoinBad;
    public long Step1Enqueued, Step1Runs, Step2Runs;
    public long SlowEnqueued, SlowDone, SlowCancelled;
    public long LaterEnqueued, LaterRuns;
    public long Cancelled, CancelTooLate;
    public long Warnings, Errors, UnexpectedErrors;

    public long Executions =>
        Interlocked.Read(ref OkRuns) + Interlocked.Read(ref FlakyRuns) + Interlocked.Read(ref FailingRuns) + Interlocked.Read(ref RepeatRuns) +
        Interlocked.Read(ref ParentRuns) + Interlocked.Read(ref ChildRuns) + Interlocked.Read(ref JoinRuns) + Interlocked.Read(ref Step1Runs) +
        Interlocked.Read(ref Step2Runs) + Interlocked.Read(ref SlowDone) + Interlocked.Read(ref LaterRuns);

    public long Enqueued =>
        Interlocked.Read(ref OkEnqueued) + Interlocked.Read(ref FlakyEnqueued) + Interlocked.Read(ref FailingEnqueued) + Interlocked.Read(ref RepeatEnqueued) +
        Interlocked.Read(ref ParentEnqueued) + Interlocked.Read(ref Step1Enqueued) + Interlocked.Read(ref SlowEnqueued) + Interlocked.Read(ref LaterEnqueued);

    public void Increment(ref long counter) => Interlocked.Increment(ref counter);

    public void Add(ref long counter, long value) => Interlocked.Add(ref counter, value);

    public override string ToString() => string.Join(' ', new (string Name, long Value)[]
    {
        ("ok_enqueued", OkEnqueued), ("ok_runs", OkRuns), ("unique_refused", UniqueRefused),
        ("flaky_enqueued", FlakyEnqueued), ("flaky_runs", FlakyRuns),
        ("failing_enqueued", FailingEnqueued), ("failing_runs", FailingRuns),
        ("repeat_enqueued", RepeatEnqueued), ("repeat_runs", RepeatRuns),
        ("parent_enqueued", ParentEnqueued), ("parent_runs", ParentRuns), ("child_runs", ChildRuns), ("join_runs", JoinRuns), ("join_bad", JoinBad),
        ("step1_enqueued", Step1Enqueued), ("step1_runs", Step1Runs), ("step2_runs", Step2Runs),
        ("slow_enqueued", SlowEnqueued), ("slow_done", SlowDone), ("slow_cancelled", SlowCancelled),
        ("later_enqueued", LaterEnqueued), ("later_runs", LaterRuns),
        ("cancelled", Cancelled), ("cancel_too_late", CancelTooLate),
        ("warnings", Warnings), ("errors", Errors), ("unexpected_errors", UnexpectedErrors),
    }.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name}={p.Value}")));
}

/// <summary>
/// Counts the engine's warnings and errors. The failures the workload provokes on purpose (event 11: an attempt failed and
/// will be retried; event 12: a command failed for good) are expected; any other error is printed to stderr and counted
/// as unexpected.
/// </summary>
internal sealed class CountingLoggerFactory(Counters counters) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new CountingLogger(counters, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class CountingLogger(Counters counters, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var expected = eventId.Id is 11 or 12;
            if (logLevel == LogLevel.Warning)
            {
                counters.Increment(ref counters.Warnings);
            }
            else
            {
                counters.Increment(ref counters.Errors);
                if (!expected)
                {
                    counters.Increment(ref counters.UnexpectedErrors);
                }
            }

            if (!expected)
            {
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} soak {logLevel} {category} [{eventId.Id}]: {formatter(state, exception)}{(exception is null ? "" : " | " + exception)}");
            }
        }
    }
}
