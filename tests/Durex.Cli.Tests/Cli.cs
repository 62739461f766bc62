using System.Text;
using System.Text.Json.Nodes;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Durex.Cli.Tests;

/// <summary>What one run of the tool produced.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public JsonNode Json() => JsonNode.Parse(Out) ?? throw new InvalidOperationException("stdout is JSON null");

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Err}";
}

/// <summary>Runs <see cref="DurexCli"/> in this process with captured output, its own variables and clock.</summary>
public static class Cli
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    public static async Task<CliResult> RunAsync(string[] args, IReadOnlyDictionary<string, string>? variables = null, TimeProvider? time = null,
        bool terminal = false, CancellationToken cancellationToken = default)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var environment = new DurexCliEnvironment
        {
            GetVariable = name => variables?.GetValueOrDefault(name),
            ErrorIsTerminal = terminal,
            TimeProvider = time ?? TimeProvider.System,
        };
        var exitCode = await DurexCli.InvokeAsync(args, stdout, stderr, environment, cancellationToken).WaitAsync(HangGuard);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs and asserts the exit code, showing the output when it differs.</summary>
    public static async Task<CliResult> RunAsync(int expectedExitCode, string[] args, IReadOnlyDictionary<string, string>? variables = null, TimeProvider? time = null)
    {
        var result = await RunAsync(args, variables, time);
        Assert.True(result.ExitCode == expectedExitCode, $"durex {string.Join(' ', args)}: expected exit {expectedExitCode}\n{result}");
        return result;
    }
}

/// <summary>The commands <see cref="World.SeedAsync"/> leaves in the store, one per interesting state.</summary>
public sealed record Seeded(CommandInstance Completed, CommandInstance DeadLetter, CommandInstance Failed, CommandInstance Pending, CommandInstance Delayed)
{
    /// <summary>Newest first, the default order of <c>durex list</c>.</summary>
    public IReadOnlyList<Guid> NewestFirst => [Delayed.Id, Pending.Id, Failed.Id, DeadLetter.Id, Completed.Id];
}

/// <summary>One test's store and fake clock; seeds it through real executors and runs the tool against it.</summary>
public sealed class World(ICliStore store) : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public ICliStore Store { get; } = store;

    public FakeTimeProvider Time { get; } = new(Start);

    /// <summary>The arguments followed by the store options.</summary>
    public string[] Args(params string[] args) => [.. args, .. Store.Args];

    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync(args, time: Time);

    public Task<CliResult> RunAsync(int expectedExitCode, params string[] args) => Cli.RunAsync(expectedExitCode, args, time: Time);

    /// <summary>Creates the schema the way an application does: by opening the store.</summary>
    public async Task InitializeAsync()
    {
        await using var store = Store.Open();
        await store.InitializeAsync();
    }

    /// <summary>
    /// A completed, a dead-lettered, a failed, a ready pending and a delayed pending command, run by executors on the
    /// fake clock until idle; then the clock moves 90 s on.
    /// </summary>
    public async Task<Seeded> SeedAsync()
    {
        await using var store = Store.Open();
        CommandInstance completed, deadLetter, failed, pending, delayed;
        await using (var executor = Executor(store, deadLetters: true))
        {
            await executor.StartAsync();
            completed = await executor.AddAsync(new CommandSpec("ok") { Tags = { "tenant:1" }, CorrelationId = "order-1", Data = { ["email"] = "Ann@Example.com" } });
            deadLetter = await executor.AddAsync(new CommandSpec("fail") { Tags = { "tenant:1" }, Data = { ["error"] = "SMTP refused the sender" } });
            await executor.WaitForIdleAsync().WaitAsync(Cli.HangGuard);
        }

        await using (var executor = Executor(store, deadLetters: false))
        {
            await executor.StartAsync();
            failed = await executor.AddAsync(new CommandSpec("fail") { CorrelationId = "order-2", Data = { ["error"] = "gateway timeout 504" } });
            await executor.WaitForIdleAsync().WaitAsync(Cli.HangGuard);
        }

        // Added by an executor that is never started: nothing runs them.
        await using (var client = Executor(store, deadLetters: false))
        {
            pending = await client.AddAsync(new CommandSpec("later") { Tags = { "tenant:2" }, Data = { ["n"] = 1 } });
            delayed = await client.AddAsync(new CommandSpec("later") { Tags = { "tenant:2" }, Delay = TimeSpan.FromHours(1) });
        }

        Time.Advance(TimeSpan.FromSeconds(90));
        return new Seeded(await GetAsync(completed.Id), await GetAsync(deadLetter.Id), await GetAsync(failed.Id), pending, delayed);
    }

    /// <summary>Dead letters made by running failing commands now (on the fake clock).</summary>
    public async Task<IReadOnlyList<CommandInstance>> AddDeadLettersAsync(int count, string? tag = null)
    {
        await using var store = Store.Open();
        await using var executor = Executor(store, deadLetters: true);
        await executor.StartAsync();
        var added = new List<CommandInstance>();
        for (var i = 0; i < count; i++)
        {
            var spec = new CommandSpec("fail") { Data = { ["error"] = $"dead letter {i}" } };
            if (tag is not null)
            {
                spec.Tags.Add(tag);
            }

            added.Add(await executor.AddAsync(spec));
        }

        await executor.WaitForIdleAsync().WaitAsync(Cli.HangGuard);
        return added;
    }

    /// <summary>Pending commands added by a client that never starts.</summary>
    public async Task<IReadOnlyList<CommandInstance>> AddPendingAsync(int count, string? tag = null, string? uniqueKey = null)
    {
        await using var store = Store.Open();
        await using var client = Executor(store, deadLetters: false);
        var added = new List<CommandInstance>();
        for (var i = 0; i < count; i++)
        {
            var spec = new CommandSpec("later") { UniqueKey = uniqueKey };
            if (tag is not null)
            {
                spec.Tags.Add(tag);
            }

            added.Add(await client.AddAsync(spec));
        }

        return added;
    }

    /// <summary>One command that fails for good (FAILED, no dead-letter queue) with the given spec.</summary>
    public async Task<CommandInstance> AddFailedAsync(CommandSpec spec)
    {
        await using var store = Store.Open();
        CommandInstance added;
        await using (var executor = Executor(store, deadLetters: false))
        {
            await executor.StartAsync();
            added = await executor.AddAsync(spec);
            await executor.WaitForIdleAsync().WaitAsync(Cli.HangGuard);
        }

        return await GetAsync(added.Id);
    }

    public async Task<CommandInstance> GetAsync(Guid id)
    {
        await using var store = Store.Open();
        await store.InitializeAsync();
        return await store.GetAsync(id) ?? throw new InvalidOperationException($"command {id} is gone");
    }

    public async Task<CommandInstance?> FindAsync(Guid id)
    {
        await using var store = Store.Open();
        await store.InitializeAsync();
        return await store.GetAsync(id);
    }

    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id)
    {
        await using var store = Store.Open();
        await store.InitializeAsync();
        return await store.GetHistoryAsync(id);
    }

    public async Task<StoreStatistics> GetStatisticsAsync()
    {
        await using var store = Store.Open();
        await store.InitializeAsync();
        return await store.GetStatisticsAsync(new StatisticsRequest { Now = Time.GetUtcNow() });
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();

    private Executor Executor(ICommandStore store, bool deadLetters)
    {
        var executor = new Executor(store, o =>
        {
            o.TimeProvider = Time;
            o.Parallelism = 2;
            o.Retention.CleanupInterval = null;
            if (deadLetters)
            {
                o.UseDeadLetterQueue();
            }
        });
        executor.Handle("ok", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        executor.Handle("fail", (ctx, _) => throw new InvalidOperationException(ctx.Data.GetString("error") ?? "failed"));
        return executor;
    }
}

/// <summary>A writer that signals once a written line matches, so a test can wait for a running command's output.</summary>
public sealed class WatchedWriter(Func<string, bool> match) : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _scanned;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The first matching line.</summary>
    public Task<string> Line => _line.Task;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
            int newline;
            while ((newline = _text.ToString().IndexOf('\n', _scanned)) >= 0)
            {
                var line = _text.ToString(_scanned, newline - _scanned).TrimEnd('\r');
                _scanned = newline + 1;
                if (match(line))
                {
                    _line.TrySetResult(line);
                }
            }
        }
    }

    public override void WriteLine(string? value) => Write(value + "\n");

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
