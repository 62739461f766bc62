using System.Collections.Concurrent;

namespace Durex.Conformance;

/// <summary>
/// Base of the engine suites: real executors over the store under test, driven by a fake clock. Tests wait with
/// <see cref="Executor.WaitForIdleAsync"/> (run-until-idle) and advance time explicitly; nothing sleeps.
/// </summary>
public abstract class EngineTestBase : StoreTestBase
{
    /// <summary>Guards against a hung test (a bug), never against slowness: it is not a timing assertion.</summary>
    protected static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly List<Executor> _executors = [];
    private Executor? _executor;
    private InstrumentedStore? _instrumented;

    /// <summary>The store under test with a tap on its calls; executors created by this base use it.</summary>
    protected InstrumentedStore Tap => _instrumented ??= new InstrumentedStore(Store);

    protected Executor Executor => _executor ??= NewExecutor();

    /// <summary>Handler invocations, in order, as "name#attempt".</summary>
    protected ConcurrentQueue<string> Calls { get; } = new();

    protected static ValueTask<CommandResult> Done() => ValueTask.FromResult(CommandResult.Empty);

    protected static ValueTask<CommandResult> Result(CommandResult result) => ValueTask.FromResult(result);

    protected Executor NewExecutor(Action<ExecutorOptions>? configure = null)
    {
        var executor = new Executor(Tap, o =>
        {
            o.TimeProvider = Time;
            o.Parallelism = 4;
            o.InstanceName = $"test-executor-{_executors.Count + 1}";
            configure?.Invoke(o);
        });
        _executors.Add(executor);
        return executor;
    }

    /// <summary>Uses <paramref name="configure"/> for the default <see cref="Executor"/> (call before touching it).</summary>
    protected Executor UseExecutor(Action<ExecutorOptions> configure)
    {
        if (_executor is not null)
        {
            throw new InvalidOperationException("The default executor already exists.");
        }

        return _executor = NewExecutor(configure);
    }

    /// <summary>Registers a handler that records its calls.</summary>
    protected Executor Handle(string name, Func<CommandContext, CommandResult>? body = null, Action<CommandOptions>? configure = null, Executor? executor = null) =>
        (executor ?? Executor).Handle(name, (ctx, ct) =>
        {
            Calls.Enqueue($"{ctx.Name}#{ctx.Attempt}");
            return ValueTask.FromResult(body?.Invoke(ctx) ?? CommandResult.Empty);
        }, configure);

    protected async Task StartAsync(Executor? executor = null) => await (executor ?? Executor).StartAsync().WaitAsync(HangGuard);

    protected async Task RunUntilIdleAsync(Executor? executor = null) => await (executor ?? Executor).WaitForIdleAsync().WaitAsync(HangGuard);

    protected async Task AdvanceAsync(TimeSpan by, Executor? executor = null)
    {
        Time.Advance(by);
        await RunUntilIdleAsync(executor);
    }

    protected async Task<CommandInstance> AddAsync(CommandSpec spec) => await Executor.AddAsync(spec);

    protected async Task<CommandInstance> GetAsync(Guid id) =>
        await Store.GetAsync(id) ?? throw new Xunit.Sdk.XunitException($"Command {id} does not exist.");

    protected async Task<CommandStatus> StatusOf(Guid id) => (await GetAsync(id)).Status;

    protected async Task<IReadOnlyList<HistoryEventType>> EventsOf(Guid id) =>
        (await Store.GetHistoryAsync(id)).Select(e => e.Type).ToArray();

    protected string[] CallsOf(string name) => Calls.Where(c => c.StartsWith(name + "#", StringComparison.Ordinal)).ToArray();

    public override async Task DisposeAsync()
    {
        using var abandon = new CancellationTokenSource(HangGuard);
        foreach (var executor in _executors)
        {
            await executor.StopAsync(abandon.Token);
        }

        await base.DisposeAsync();
    }
}
