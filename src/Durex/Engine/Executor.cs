using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Serialization.Metadata;
using Durex.Diagnostics;
using Durex.Engine;
using Durex.Internal;
using Durex.Storage;
using Microsoft.Extensions.Logging;

namespace Durex;

/// <summary>
/// The engine: registers handlers, enqueues commands and runs them on a store with retries, schedules, workflows,
/// leases and history. Start it with <see cref="StartAsync"/>; stop it with <see cref="StopAsync"/> (graceful) or dispose it.
/// </summary>
/// <example>
/// <code>
/// await using var executor = new Executor(new MemoryStore(), o => o.Parallelism = 8);
/// executor.Handle("greet", (ctx, ct) =>
/// {
///     Console.WriteLine($"Hello, {ctx.Data.GetString("name")}!");
///     return ValueTask.FromResult(CommandResult.Empty);
/// }, c => c.Retries(3));
/// await executor.StartAsync();
/// await executor.AddAsync(new CommandSpec("greet") { Data = { ["name"] = "World" } });
/// </code>
/// </example>
public sealed class Executor : IDurexClient, IAsyncDisposable
{
    private readonly HandlerRegistry _registry = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly ILogger _logger;
    private readonly EngineLoggers _loggers;
    private readonly ExecutorTelemetry _telemetry;
    private readonly ConcurrentDictionary<string, byte> _warnedNames = new(StringComparer.Ordinal);
    private readonly Lock _initializeGate = new();
    private Task? _initialized;
    private Run? _run;

    /// <summary>Creates an executor over <paramref name="store"/>, configured by <paramref name="configure"/>.</summary>
    public Executor(ICommandStore store, Action<ExecutorOptions>? configure = null)
        : this(store, Configure(configure))
    {
    }

    /// <summary>Creates an executor over <paramref name="store"/> with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public Executor(ICommandStore store, ExecutorOptions options)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Options.Validate();
        InstanceName = Options.InstanceName ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
        _loggers = new EngineLoggers(Options.LoggerFactory);
        _logger = _loggers.Executor;
        _telemetry = new ExecutorTelemetry(Options.MeterFactory, InstanceName, () => Volatile.Read(ref _run)?.Pipeline.RunningCount ?? 0);
    }

    /// <summary>The store commands live in.</summary>
    public ICommandStore Store { get; }

    /// <summary>The settings.</summary>
    public ExecutorOptions Options { get; }

    /// <summary>This instance's name, recorded as the owner of the leases it takes.</summary>
    public string InstanceName { get; }

    /// <summary>True between <see cref="StartAsync"/> and <see cref="StopAsync"/>.</summary>
    public bool IsRunning => Volatile.Read(ref _run) is not null;

    /// <summary>True while <see cref="StopAsync"/> drains this executor (it claims nothing new).</summary>
    public bool IsStopping => Volatile.Read(ref _run) is { Pipeline.IsStopping: true };

    /// <summary>
    /// This executor's meter (named <see cref="DurexDiagnostics.MeterName"/>, tagged with <c>durex.instance</c>): exporters
    /// that want one executor's instruments rather than every Durex meter in the process filter on it.
    /// </summary>
    public Meter Meter => _telemetry.Meter;

    /// <summary>Names of the registered handlers.</summary>
    public IReadOnlyCollection<string> HandlerNames => _registry.Names;

    /// <summary>Registers a handler under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or invalid.</exception>
    /// <exception cref="InvalidOperationException">The name is taken, or the executor is running.</exception>
    public Executor Handle(string name, CommandHandler handler, Action<CommandOptions>? configure = null)
    {
        CommandNames.Validate(name, nameof(name));
        ArgumentNullException.ThrowIfNull(handler);
        var options = new CommandOptions();
        configure?.Invoke(options);
        _registry.Add(Registration.Create(name, handler, options));
        return this;
    }

    /// <summary>
    /// Registers a handler whose payload is read as <typeparamref name="T"/> with source-generated metadata. A payload
    /// that cannot be read fails the command for good (retrying would not help) with a message naming the problem.
    /// </summary>
    public Executor HandleTyped<T>(string name, JsonTypeInfo<T> typeInfo, CommandHandler<T> handler, Action<CommandOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        ArgumentNullException.ThrowIfNull(handler);
        return Handle(name, (context, cancellationToken) => handler(context.ReadTypedPayload(typeInfo)!, context, cancellationToken), configure);
    }

    /// <summary>
    /// Registers a class command. Its <see cref="ICommandHandler.Configure"/> sets its defaults; implementing
    /// <see cref="IRecoverableCommand"/> or <see cref="IExpirableCommand"/> adds the recover or expired hook.
    /// </summary>
    public Executor Register(ICommandHandler command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Handle(command.Name, command.ExecuteAsync, options =>
        {
            command.Configure(options);
            if (command is IRecoverableCommand recoverable)
            {
                options.OnRecover(recoverable.RecoverAsync);
            }

            if (command is IExpirableCommand expirable)
            {
                options.OnExpired(expirable.ExpiredAsync);
            }
        });
    }

    /// <summary>Initializes the store and starts claiming and running commands. Does nothing if already running.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_run is not null)
            {
                return;
            }

            await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            _registry.Freeze();
            var plans = new Dictionary<string, HandlerPlan>(StringComparer.Ordinal);
            foreach (var name in _registry.Names)
            {
                _registry.TryGet(name, out var registration);
                plans[name] = HandlerPlan.Compose(registration, Options.Middleware);
            }

            var limits = Options.ConcurrencyLimits.Count > 0 || Options.GlobalConcurrencyLimit is not null
                ? new ConcurrencyLimits(new Dictionary<string, int>(Options.ConcurrencyLimits), Options.GlobalConcurrencyLimit)
                : null;
            var pipeline = new Pipeline(new ExecutorContext
            {
                Store = Store,
                Options = Options,
                Registry = _registry,
                Plans = plans,
                Owner = InstanceName,
                Loggers = _loggers,
                Telemetry = _telemetry,
                DeadLetterQueue = Options.DeadLetterQueue,
            })
            { Limits = limits };
            _run = Run.Start(pipeline, Store.Subscribe(pipeline), Options, new StatisticsSampler(pipeline, GetStatisticsAsync));
            Log.Started(_logger, InstanceName, Options.Parallelism, plans.Count);
            await EnqueuePermanentCommandsAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Graceful shutdown: stops claiming, returns claimed-but-unstarted commands to pending at once, lets running
    /// attempts finish for up to <see cref="ExecutorOptions.ShutdownTimeout"/>, then cancels them (their commands go back
    /// to pending, not failed). The executor can be started again afterwards.
    /// </summary>
    /// <param name="cancellationToken">Cancel to abandon waiting for handlers that ignore their token; their leases expire and the commands are rescued.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        // Not cancellable: an already-cancelled token means "stop now", not "do not stop". Start and stop hold this
        // lock only briefly, apart from a concurrent stop, which its own token bounds.
        await _lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_run is not { } run)
            {
                return;
            }

            await run.StopAsync(Options, _logger, cancellationToken).ConfigureAwait(false);
            _run = null;
            _registry.Unfreeze();
            Log.Stopped(_logger, InstanceName);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops gracefully (see <see cref="StopAsync"/>) and releases the meter. The store is not disposed: its creator owns it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _telemetry.Dispose();
    }

    /// <summary>
    /// Completes when no command is ready to run and none is in flight, as observed after this call. Commands scheduled
    /// in the future do not count: advance the clock (a <c>FakeTimeProvider</c> in tests) and wait again.
    /// </summary>
    /// <remarks>The run-until-idle helper for deterministic tests: no sleeps, no polling.</remarks>
    /// <exception cref="InvalidOperationException">The executor is not running, or it stopped before becoming idle.</exception>
    public Task WaitForIdleAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _run) is { } run
            ? run.Pipeline.WaitForIdleAsync(cancellationToken)
            : throw new InvalidOperationException("The executor is not running: call StartAsync before WaitForIdleAsync.");

    /// <inheritdoc />
    public async ValueTask<CommandInstance> AddAsync(CommandSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // The span is current while the command is built, so the command records it as its trace parent.
        using var activity = ExecutorTelemetry.StartEnqueue(spec.Name);
        try
        {
            var command = CommandFactory.Create(spec, Options.TimeProvider.GetUtcNow(), _registry, Options.MaxPayloadBytes);
            activity?.SetTag("messaging.message.id", command.Id.ToString());
            await EnqueueAsync([command], cancellationToken).ConfigureAwait(false);
            return command;
        }
        catch (Exception ex) when (activity is not null)
        {
            ExecutorTelemetry.Fail(activity, ex);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<CommandInstance>> AddManyAsync(IEnumerable<CommandSpec> specs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var now = Options.TimeProvider.GetUtcNow();
        using var activity = ExecutorTelemetry.StartEnqueue(null);
        try
        {
            var commands = new List<CommandInstance>(specs.TryGetNonEnumeratedCount(out var count) ? count : 16);
            foreach (var spec in specs)
            {
                commands.Add(CommandFactory.Create(spec ?? throw new ArgumentException("Specs must not be null.", nameof(specs)), now, _registry, Options.MaxPayloadBytes));
            }

            activity?.SetTag("messaging.batch.message_count", commands.Count);
            await EnqueueAsync(commands, cancellationToken).ConfigureAwait(false);
            return commands;
        }
        catch (Exception ex) when (activity is not null)
        {
            ExecutorTelemetry.Fail(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Builds the command <paramref name="spec"/> describes — validated, ids assigned, handler defaults applied — without
    /// storing it. For stores that insert commands inside the caller's own transaction (transactional enqueue); call
    /// <see cref="NotifyWorkAvailable"/> after that transaction commits when the store has no cross-process wake-up.
    /// </summary>
    /// <exception cref="ArgumentException">The spec is invalid (the message names the field).</exception>
    public CommandInstance CreateCommand(CommandSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return CommandFactory.Create(spec, Options.TimeProvider.GetUtcNow(), _registry, Options.MaxPayloadBytes);
    }

    /// <summary>Wakes this executor's producer to claim now (e.g. after commands were inserted in a caller's transaction).</summary>
    public void NotifyWorkAvailable() => Volatile.Read(ref _run)?.Pipeline.Wake.Set();

    /// <inheritdoc />
    public async ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetHistoryAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<CommandInstance>> FindByCorrelationIdAsync(string correlationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(correlationId);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var all = new List<CommandInstance>();
        var query = new CommandQuery { CorrelationId = correlationId, Order = CommandOrder.OldestFirst, Limit = CommandQuery.MaxLimit };
        while (true)
        {
            var page = await Store.FindAsync(query, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Items);
            if (page.NextCursor is null)
            {
                return all;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <inheritdoc />
    public async ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.FindAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<CommandInstance> CancelAsync(Guid id, string? reason = null, CancellationToken cancellationToken = default)
    {
        StoredText.Check(reason, "The cancellation reason", nameof(reason));
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var cancelled = await Store.CancelAsync(id, Options.TimeProvider.GetUtcNow(), reason, cancellationToken).ConfigureAwait(false);
        Volatile.Read(ref _run)?.Pipeline.CancelLocal([id], CancelReason.Cancelled);
        return cancelled;
    }

    /// <inheritdoc />
    public async ValueTask<int> CancelByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        StoredText.Check(tag, "The tag", nameof(tag));
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var cancelled = await Store.CancelByTagAsync(tag, Options.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        Volatile.Read(ref _run)?.Pipeline.CancelLocal(cancelled, CancelReason.Cancelled);
        return cancelled.Count;
    }

    /// <summary>Dead-lettered commands, most recent first, one page at a time.</summary>
    public ValueTask<CommandPage> FindDeadLetteredAsync(int limit = 50, string? cursor = null, CancellationToken cancellationToken = default) =>
        FindAsync(new CommandQuery { Statuses = [CommandStatus.DeadLetter], Limit = limit, Cursor = cursor }, cancellationToken);

    /// <summary>
    /// Sends a dead-lettered command back to pending with a fresh retry budget (its attempt count is reset, so it gets
    /// all of its configured retries again) and a <see cref="HistoryEventType.Replayed"/> event.
    /// </summary>
    /// <exception cref="CommandNotFoundException">No such command.</exception>
    /// <exception cref="InvalidCommandStateException">It is not in the dead-letter queue.</exception>
    /// <exception cref="DuplicateCommandException">Its unique key is held by another active command now.</exception>
    public async ValueTask<CommandInstance> ReplayFromDeadLetterAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var command = await GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new CommandNotFoundException(id);
        if (command.Status != CommandStatus.DeadLetter)
        {
            throw new InvalidCommandStateException(id, command.Status, "replay from the dead-letter queue");
        }

        return await RequeueAsync(id, "Replayed from the dead-letter queue.", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a failed or dead-lettered command back to pending with a fresh retry budget (the dashboard's "retry").</summary>
    /// <exception cref="CommandNotFoundException">No such command.</exception>
    /// <exception cref="InvalidCommandStateException">It is neither failed nor dead-lettered.</exception>
    /// <exception cref="DuplicateCommandException">Its unique key is held by another active command now.</exception>
    public ValueTask<CommandInstance> RetryAsync(Guid id, CancellationToken cancellationToken = default) =>
        RequeueAsync(id, "Retried by an operator.", cancellationToken);

    /// <summary>Deletes dead-lettered commands that reached the queue more than <paramref name="olderThan"/> ago; returns how many.</summary>
    public async ValueTask<int> PurgeDeadLettersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var request = new PurgeRequest
        {
            Statuses = [CommandStatus.DeadLetter],
            CompletedBefore = Options.TimeProvider.GetUtcNow() - olderThan,
            Limit = Options.Retention.BatchSize,
        };
        var total = 0;
        int deleted;
        do
        {
            deleted = await Store.PurgeAsync(request, cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted == request.Limit);

        return total;
    }

    /// <summary>Runs retention now (it also runs every <see cref="RetentionOptions.CleanupInterval"/> while the executor runs); returns how many commands were deleted.</summary>
    public async ValueTask<int> CleanupAsync(CancellationToken cancellationToken = default)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Engine.Retention.CleanupAsync(Store, Options.Retention, Options.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts per status, queue depth and age, and this executor's concurrency-limit utilisation.</summary>
    public async ValueTask<ExecutorStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var now = Options.TimeProvider.GetUtcNow();
        var run = Volatile.Read(ref _run);
        var limits = run?.Pipeline.Limits;
        var limitedNames = Options.ConcurrencyLimits.Keys.ToArray();
        var store = await Store.GetStatisticsAsync(new StatisticsRequest { Now = now, ReadyCountNames = limitedNames }, cancellationToken).ConfigureAwait(false);
        var perName = new Dictionary<string, ConcurrencyStatistics>(StringComparer.Ordinal);
        foreach (var name in limitedNames)
        {
            var (limit, current) = limits?.ForName(name) ?? (Options.ConcurrencyLimits[name], 0);
            perName[name] = new ConcurrencyStatistics(limit, current, store.ReadyByName.GetValueOrDefault(name));
        }

        var statistics = new ExecutorStatistics
        {
            Counts = store.Counts,
            QueueDepth = store.Ready,
            OldestReadyAge = store.OldestReadyAt is { } oldest ? now - oldest : null,
            HeldHere = run?.Pipeline.InflightCount ?? 0,
            Workers = Options.Parallelism,
            Handlers = _registry.Count,
            IsRunning = run is not null,
            GlobalLimit = Options.GlobalConcurrencyLimit is { } global
                ? new ConcurrencyStatistics(global, limits?.GlobalCurrent ?? 0, store.Ready)
                : null,
            Limits = perName,
        };
        _telemetry.Observed(statistics, now);
        return statistics;
    }

    private async ValueTask<CommandInstance> RequeueAsync(Guid id, string message, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var requeued = await Store.RequeueAsync(id, Options.TimeProvider.GetUtcNow(), message, cancellationToken).ConfigureAwait(false);
        Volatile.Read(ref _run)?.Pipeline.Wake.Set();
        return requeued;
    }

    private async Task EnqueuePermanentCommandsAsync(CancellationToken cancellationToken)
    {
        foreach (var permanent in Options.PermanentCommands)
        {
            var spec = permanent.Clone();
            spec.UniqueKey ??= $"durex:permanent:{spec.Name}";
            try
            {
                await AddAsync(spec, cancellationToken).ConfigureAwait(false);
            }
            catch (DuplicateCommandException)
            {
                // Already active from an earlier start or another instance: that is the point of the unique key.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.PermanentCommandFailed(_logger, ex, spec.Name);
            }
        }
    }

    private async ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await Store.EnqueueAsync(commands, cancellationToken).ConfigureAwait(false);
        Volatile.Read(ref _run)?.Pipeline.Wake.Set();
        foreach (var command in commands)
        {
            if (!_registry.TryGet(command.Name, out _) && _warnedNames.TryAdd(command.Name, 0) && _registry.Count > 0)
            {
                Log.NoLocalHandler(_logger, command.Name);
            }
        }
    }

    /// <summary>
    /// Initializes the store once. A failed initialization (the database was down) is not cached: the next call tries
    /// again, so an executor created during an outage recovers by itself.
    /// </summary>
    private Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        Task initialized;
        lock (_initializeGate)
        {
            if (_initialized is null || _initialized.IsFaulted || _initialized.IsCanceled)
            {
                _initialized = Store.InitializeAsync().AsTask();
            }

            initialized = _initialized;
        }

        return initialized.WaitAsync(cancellationToken);
    }

    private static ExecutorOptions Configure(Action<ExecutorOptions>? configure)
    {
        var options = new ExecutorOptions();
        configure?.Invoke(options);
        return options;
    }

    /// <summary>The tasks of one run (start → stop).</summary>
    private sealed class Run
    {
        private Run(Pipeline pipeline, IDisposable subscription, Worker[] workers, Task producer, Task[] workerTasks, Task completer, Task leaseKeeper,
            Task retention, Task sampler)
        {
            SamplerTask = sampler;
            RetentionTask = retention;
            Pipeline = pipeline;
            Subscription = subscription;
            Workers = workers;
            Producer = producer;
            WorkerTasks = workerTasks;
            Completer = completer;
            LeaseKeeper = leaseKeeper;
        }

        public Pipeline Pipeline { get; }

        private IDisposable Subscription { get; }

        private Worker[] Workers { get; }

        private Task Producer { get; }

        private Task[] WorkerTasks { get; }

        private Task Completer { get; }

        private Task LeaseKeeper { get; }

        private Task RetentionTask { get; }

        private Task SamplerTask { get; }

        public static Run Start(Pipeline pipeline, IDisposable subscription, ExecutorOptions options, StatisticsSampler sampler)
        {
            var runner = new AttemptRunner(pipeline);
            var workers = Enumerable.Range(0, options.Parallelism).Select(_ => new Worker(pipeline, runner)).ToArray();
            var rescueInterval = options.RescueInterval ?? options.LeaseDuration / 2;
            // The loops must not inherit the caller's async locals: a span or log scope current at StartAsync (a web
            // request's) would otherwise parent every attempt and every spawned command.
            using var _ = ExecutionContext.SuppressFlow();
            return new Run(
                pipeline,
                subscription,
                workers,
                Task.Run(new Producer(pipeline).RunAsync),
                workers.Select(w => Task.Run(w.RunAsync)).ToArray(),
                Task.Run(new Completer(pipeline).RunAsync),
                Task.Run(new LeaseKeeper(pipeline, rescueInterval).RunAsync),
                Task.Run(new Engine.Retention(pipeline).RunAsync),
                Task.Run(sampler.RunAsync));
        }

        /// <summary>How long a stop whose token was cancelled still waits for the store to take the outcomes already produced.</summary>
        private static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(5);

        public async Task StopAsync(ExecutorOptions options, ILogger logger, CancellationToken cancellationToken)
        {
            Pipeline.Stopping.Cancel();
            await Producer.ConfigureAwait(false);
            ReleaseUnstarted();

            var workers = Task.WhenAll(WorkerTasks);
            try
            {
                await workers.WaitAsync(options.ShutdownTimeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.ShutdownTimedOut(logger, options.ShutdownTimeout, Pipeline.InflightCount);
                await HardStopAsync(workers, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller gives up waiting: handlers are cancelled, and those still running are abandoned.
                await HardStopAsync(workers, cancellationToken).ConfigureAwait(false);
            }

            Pipeline.Outcomes.Writer.TryComplete();
            try
            {
                await Completer.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Outcomes already produced (finished attempts, claims handed back) are still written: dropping them would
                // run those commands again once their leases expire. Only a store that cannot take them in time is given up.
                try
                {
                    await Completer.WaitAsync(AbandonGrace, TimeProvider.System).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    Log.OutcomesAbandoned(logger, Pipeline.InflightCount);
                }
            }

            await Pipeline.Finished.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(Completer, LeaseKeeper, RetentionTask, SamplerTask).ConfigureAwait(false);
            Subscription.Dispose();
            Pipeline.Limits?.Dispose();
            Pipeline.FailIdleWaiters();
        }

        /// <summary>
        /// Hands claimed commands no worker has started back to the store at once, rather than after the busy workers
        /// finish: another instance can run them while this one drains.
        /// </summary>
        private void ReleaseUnstarted()
        {
            while (Pipeline.Work.Reader.TryRead(out var item))
            {
                item.Permit?.Dispose();
                Pipeline.Outcomes.Writer.TryWrite(AttemptRunner.Release(item));
            }
        }

        private async Task HardStopAsync(Task workers, CancellationToken cancellationToken)
        {
            await Pipeline.HardStop.CancelAsync().ConfigureAwait(false);
            foreach (var worker in Workers)
            {
                worker.CancelCurrent(CancelReason.Shutdown);
            }

            try
            {
                await workers.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Handlers that honour their token end within moments and hand their commands back (pending at once);
                // those that ignore it are abandoned after a short grace: their leases expire and the commands are rescued.
                try
                {
                    await workers.WaitAsync(AbandonGrace, TimeProvider.System).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
        }
    }
}
