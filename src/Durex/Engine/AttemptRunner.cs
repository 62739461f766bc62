using System.Diagnostics;
using System.Globalization;
using Durex.Diagnostics;
using Durex.Internal;
using Durex.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durex.Engine;

/// <summary>
/// Runs one claimed command and turns what happened into a <see cref="CommandOutcome"/>: the state transition, the
/// history events and the commands it spawns, applied later by the store in one transaction.
/// </summary>
internal sealed class AttemptRunner(Pipeline pipeline)
{
    private const int MaxErrorDetailLength = 8000;
    private readonly ExecutorContext context = pipeline.Context;
    private readonly ExecutorOptions _options = pipeline.Context.Options;
    private readonly TimeProvider _time = pipeline.Context.Time;
    private readonly ILogger _logger = pipeline.Context.Loggers.Worker;
    private readonly ExecutorTelemetry _telemetry = pipeline.Context.Telemetry;
    private readonly IServiceScopeFactory? _scopes = pipeline.Context.Options.Services?.GetService<IServiceScopeFactory>();

    /// <summary>Scope of every log entry written during an attempt, the handler's own included.</summary>
    private static readonly Func<ILogger, string, Guid, int, string?, IDisposable?> AttemptScope =
        LoggerMessage.DefineScope<string, Guid, int, string?>("Command {CommandName} {CommandId} attempt {Attempt} (correlation {CorrelationId})");

    /// <summary>How long a command waits when its history, needed to count its lost attempts, could not be read.</summary>
    private static readonly TimeSpan LostAttemptsRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>Returns a claimed command that never started to pending, as if it had not been claimed.</summary>
    public static CommandOutcome Release(InflightCommand item) => Postpone(item, item.Command.ReadyAt);

    /// <summary>Returns a claimed command that never started to pending, ready at <paramref name="readyAt"/>, uncounted.</summary>
    private static CommandOutcome Postpone(InflightCommand item, DateTimeOffset readyAt) => new()
    {
        CommandId = item.Command.Id,
        LeaseId = item.Lease.LeaseId,
        Status = CommandStatus.Pending,
        Attempt = item.Command.Attempt - 1,
        ReadyAt = readyAt,
        Error = item.Command.Error,
    };

    public async ValueTask<CommandOutcome> RunAsync(InflightCommand item, Worker worker)
    {
        var command = item.Command;
        if (!context.Plans.TryGetValue(command.Name, out var plan))
        {
            return Release(item);
        }

        using var logScope = AttemptScope(_logger, command.Name, command.Id, command.Attempt, command.CorrelationId);
        if (_scopes is null)
        {
            return await RunAsync(item, worker, plan, _options.Services).ConfigureAwait(false);
        }

        // One DI scope per attempt, hooks included: scoped services (a DbContext) never outlive or span attempts.
        await using var scope = _scopes.CreateAsyncScope();
        return await RunAsync(item, worker, plan, scope.ServiceProvider).ConfigureAwait(false);
    }

    private async ValueTask<CommandOutcome> RunAsync(InflightCommand item, Worker worker, HandlerPlan plan, IServiceProvider? services)
    {
        var command = item.Command;
        var registration = plan.Registration;
        var start = _time.GetUtcNow();
        var maxRetries = command.Retries ?? registration.Retries ?? _options.DefaultRetries;
        if (StoredProblem(command) is { } problem)
        {
            // Values written outside Durex that it cannot use: a handler run on guessed values could do harm, and every
            // retry would read the same row, so the command fails for good (or is dead-lettered) without running.
            var unusable = new PermanentFailureException(problem);
            return await FailAsync(item, registration, NewContext(command, maxRetries, HardStopToken, services), unusable, start, start, ran: false).ConfigureAwait(false);
        }

        var deadline = command.DeadlineAt ?? (registration.Deadline is { } relative ? command.CreatedAt + relative : null);
        if (deadline is { } due && start > due)
        {
            return await ExpireAsync(item, registration, maxRetries, start, due, services).ConfigureAwait(false);
        }

        if (command.Attempt > 1 && command.Attempt >= maxRetries + 1)
        {
            // The last attempt the budget allows, or beyond it (only rescues get there: a claim counts an attempt, and
            // the executor that made it died). Attempts lost that way are not the handler's failures, so up to
            // MaxRescues of them are given back before the attempt runs, and the handler sees its true retries left;
            // more means the handler itself keeps killing its process, and it must not run forever.
            int lost;
            try
            {
                lost = await LostAttemptsAsync(command).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                if (HardStopToken.IsCancellationRequested)
                {
                    return Release(item); // stopping: handed back as if never claimed
                }

                // Not at once: a history that cannot be read now will likely fail again on an immediate re-claim.
                Log.LostAttemptsUnknown(_logger, ex, command.Name, command.Id);
                return Postpone(item, start + LostAttemptsRetryDelay);
            }

            maxRetries += lost;
            if (command.Attempt > maxRetries + 1)
            {
                var exhausted = new PermanentFailureException(string.Create(CultureInfo.InvariantCulture,
                    $"Attempt {command.Attempt} exceeds the retry budget ({maxRetries - lost} retries, plus {lost} attempts lost with their worker): its executor died while holding it more often than ExecutorOptions.MaxRescues ({_options.MaxRescues}) allows, so it is not run again."));
                return await FailAsync(item, registration, NewContext(command, maxRetries, HardStopToken, services), exhausted, start, start, ran: false).ConfigureAwait(false);
            }
        }

        if (command.FanInFailed)
        {
            var fanIn = new FanInFailedException(command.Error ?? "Fan-in failed: a child ended unsuccessfully.");
            return await FailAsync(item, registration, NewContext(command, maxRetries, HardStopToken, services), fanIn, start, start, ran: false).ConfigureAwait(false);
        }

        var timeout = command.Timeout ?? registration.Timeout ?? _options.DefaultTimeout;
        // The attempt's span is current from here on, so the commands it spawns record it as their trace parent.
        using var activity = ExecutorTelemetry.StartProcess(command);
        item.Span = activity;
        _telemetry.Started(command.Name, start - command.ReadyAt);
        var token = worker.Begin(item, timeout);
        var commandContext = NewContext(command, maxRetries, token, services);
        CommandResult? result = null;
        Exception? failure = null;
        try
        {
            if (command.FanInTotal > 0)
            {
                commandContext.FanInResults = await LoadFanInResultsAsync(command.Id, token).ConfigureAwait(false);
            }

            result = await plan.Invoke(commandContext).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        var (cancelled, reason) = worker.End(item);
        var end = _time.GetUtcNow();
        if (cancelled && (failure is not null || reason != CancelReason.Shutdown))
        {
            switch (reason)
            {
                case CancelReason.Cancelled:
                    Finish(item, AttemptOutcome.Cancelled, end - start);
                    return Cancelled(item);
                case CancelReason.Shutdown:
                    Finish(item, AttemptOutcome.Interrupted, end - start);
                    return Interrupted(item, start, end);
                default:
                    failure = new CommandTimeoutException(timeout ?? TimeSpan.Zero);
                    break;
            }
        }

        if (failure is null && result is null)
        {
            failure = new PermanentFailureException($"Handler '{command.Name}' returned null instead of a CommandResult (return CommandResult.Empty when there is nothing to do).");
        }

        if (failure is not null)
        {
            return await FailAsync(item, registration, commandContext, failure, start, end, ran: true).ConfigureAwait(false);
        }

        return await SucceedAsync(item, registration, commandContext, result!, start, end).ConfigureAwait(false);
    }

    private CancellationToken HardStopToken => pipeline.HardStop.Token;

    /// <summary>Why a claimed command cannot be run as stored (its row could not be read, or its cron is invalid), or null.</summary>
    private static string? StoredProblem(CommandInstance command)
    {
        if (command.ReadError is { } readError)
        {
            return $"The stored command cannot be read, so it is not run: {readError}";
        }

        // Specs are validated at enqueue; only a row written outside Durex gets here with a bad schedule. IsValid is a
        // cache lookup for valid expressions, so the common case costs no exception.
        if (command.Cron is { } cron && !CronSchedule.IsValid(cron, command.CronTimeZone))
        {
            try
            {
                CronSchedule.Validate(cron, command.CronTimeZone);
            }
            catch (ArgumentException ex)
            {
                return $"The stored cron schedule cannot be used, so the command is not run: {ex.Message}";
            }

            return $"The stored cron schedule '{cron}' cannot be used, so the command is not run.";
        }

        return null;
    }

    /// <summary>
    /// How many attempts of the current run of <paramref name="command"/> were lost with their executor (rescued
    /// leases, since the last repeat or replay), at most <see cref="ExecutorOptions.MaxRescues"/>. Reads the history, so
    /// it is asked only for the last attempt the budget allows (or one past it), which few commands reach.
    /// </summary>
    private async ValueTask<int> LostAttemptsAsync(CommandInstance command)
    {
        if (_options.MaxRescues == 0)
        {
            return 0;
        }

        var history = await context.Store.GetHistoryAsync(command.Id, HardStopToken).ConfigureAwait(false);
        var lost = 0;
        foreach (var entry in history)
        {
            switch (entry.Type)
            {
                case HistoryEventType.Repeating or HistoryEventType.Replayed:
                    lost = 0;
                    break;
                case HistoryEventType.Recovered:
                    lost++;
                    break;
            }
        }

        return Math.Min(lost, _options.MaxRescues);
    }

    private static CommandContext NewContext(CommandInstance command, int maxRetries, CancellationToken token, IServiceProvider? services) =>
        new(command, maxRetries, token, services);

    /// <summary>Records how an attempt that ran ended, in the metrics and on its span.</summary>
    private void Finish(InflightCommand item, AttemptOutcome outcome, TimeSpan duration, Exception? error = null, string? message = null)
    {
        _telemetry.Finished(item.Command.Name, outcome, duration);
        if (item.Span is { } span)
        {
            span.SetTag(DurexDiagnostics.OutcomeTag, outcome.ToTagValue());
            if (error is not null && outcome is AttemptOutcome.Retrying or AttemptOutcome.Failed)
            {
                ExecutorTelemetry.Fail(span, error, message);
            }
        }
    }

    private async ValueTask<IReadOnlyList<FanInResult>> LoadFanInResultsAsync(Guid id, CancellationToken token)
    {
        var children = await context.Store.GetFanInChildrenAsync(id, token).ConfigureAwait(false);
        return children.Where(c => c.Status == CommandStatus.Completed)
            .Select(c => new FanInResult(c.Id, c.Name, CommandData.ReadOnlyView(c.Payload)))
            .ToArray();
    }

    private async ValueTask<CommandOutcome> SucceedAsync(InflightCommand item, Registration registration, CommandContext commandContext,
        CommandResult result, DateTimeOffset start, DateTimeOffset end)
    {
        var command = item.Command;
        var duration = end - start;
        var started = new HistoryEvent(command.Id, HistoryEventType.Started, start, command.Attempt);
        var payload = commandContext.Data.IsModified ? commandContext.Data.ToUtf8Json() : (ReadOnlyMemory<byte>?)null;

        if (result.Kind == CommandResultKind.Retry)
        {
            var retry = new RetryRequestedException();
            return await FailAsync(item, registration, commandContext, retry, start, end, ran: true).ConfigureAwait(false);
        }

        if (result.Kind == CommandResultKind.Repeat)
        {
            var next = NextRun(command, registration, result, end);
            if (next is { } when)
            {
                Finish(item, AttemptOutcome.Repeating, duration);
                return new CommandOutcome
                {
                    CommandId = command.Id,
                    LeaseId = item.Lease.LeaseId,
                    Status = CommandStatus.Repeating,
                    Attempt = 0,
                    ReadyAt = when,
                    Payload = payload,
                    Events =
                    [
                        started,
                        new HistoryEvent(command.Id, HistoryEventType.Repeating, end, command.Attempt, Duration: duration,
                            Message: string.Create(CultureInfo.InvariantCulture, $"Next run at {when:O}.")),
                    ],
                };
            }
        }

        IReadOnlyList<CommandInstance> children;
        try
        {
            children = BuildChildren(result, command, end);
        }
        catch (ArgumentException ex)
        {
            var invalid = new PermanentFailureException($"The handler's result is invalid: {ex.Message}", ex);
            return await FailAsync(item, registration, commandContext, invalid, start, end, ran: true).ConfigureAwait(false);
        }

        Log.AttemptSucceeded(_logger, command.Name, command.Id, command.Attempt, duration);
        Finish(item, AttemptOutcome.Completed, duration);
        return new CommandOutcome
        {
            CommandId = command.Id,
            LeaseId = item.Lease.LeaseId,
            Status = CommandStatus.Completed,
            Attempt = command.Attempt,
            CompletedAt = end,
            Payload = payload,
            NewCommands = children,
            Events =
            [
                started,
                new HistoryEvent(command.Id, HistoryEventType.Completed, end, command.Attempt, Duration: duration,
                    Message: result.Kind == CommandResultKind.Repeat ? "The cron schedule has no further occurrence." : null),
            ],
        };
    }

    private DateTimeOffset? NextRun(CommandInstance command, Registration registration, CommandResult result, DateTimeOffset end)
    {
        if (result.RepeatAfter is { } after)
        {
            return end + after;
        }

        var cron = command.Cron ?? registration.Cron;
        if (cron is not null)
        {
            var zone = command.Cron is not null ? command.CronTimeZone : registration.CronTimeZone;
            return CronSchedule.Next(cron, zone, end);
        }

        return end + (command.Period ?? registration.Period ?? _options.DefaultPeriod);
    }

    private async ValueTask<CommandOutcome> FailAsync(InflightCommand item, Registration registration, CommandContext commandContext,
        Exception error, DateTimeOffset start, DateTimeOffset end, bool ran)
    {
        var command = item.Command;
        var retryable = error is not (PermanentFailureException or FanInFailedException);
        if (retryable && FromReadingData(error) && !CommandData.IsValidJson(command.Payload.Span, out var payloadProblem))
        {
            // Reading a payload written outside Durex that is not JSON fails every attempt the same way: no retry storm.
            // Checked only on such failures, so successful attempts never pay for it.
            var attempt = ErrorMessage(error);
            error = new PermanentFailureException(payloadProblem.Contains(attempt, StringComparison.Ordinal)
                ? $"The stored payload cannot be used, so the command is not retried. {payloadProblem}"
                : $"The stored payload cannot be used, so the command is not retried. {payloadProblem} The attempt failed with: {attempt}", error);
            retryable = false;
        }

        var exhausted = !retryable || commandContext.RetriesLeft == 0;
        var message = error is RetryRequestedException && exhausted
            ? string.Create(CultureInfo.InvariantCulture, $"The handler asked for a retry, but no retries are left ({commandContext.MaxRetries} allowed).")
            : ErrorMessage(error);
        var detail = error is RetryRequestedException ? message : ErrorDetail(error);
        var events = new List<HistoryEvent>(3);
        if (ran)
        {
            events.Add(new HistoryEvent(command.Id, HistoryEventType.Started, start, command.Attempt));
        }

        if (ran)
        {
            Finish(item, exhausted ? AttemptOutcome.Failed : error is RetryRequestedException ? AttemptOutcome.RetryRequested : AttemptOutcome.Retrying,
                end - start, error, message);
        }
        else
        {
            _telemetry.FailedWithoutRunning(command.Name);
        }

        var payload = commandContext.Data.IsModified ? commandContext.Data.ToUtf8Json() : (ReadOnlyMemory<byte>?)null;
        if (!exhausted)
        {
            var backoff = registration.Backoff ?? _options.Backoff;
            var retryAt = end + backoff.NextDelay(command.Attempt);
            Log.AttemptFailedWillRetry(_logger, error, command.Name, command.Id, command.Attempt, retryAt);
            events.Add(new HistoryEvent(command.Id, HistoryEventType.Retrying, end, command.Attempt, detail, ran ? end - start : null,
                string.Create(CultureInfo.InvariantCulture,
                    $"Attempt {command.Attempt} of {commandContext.MaxRetries + 1} failed; next attempt at {retryAt:O}.")));
            return new CommandOutcome
            {
                CommandId = command.Id,
                LeaseId = item.Lease.LeaseId,
                Status = CommandStatus.Pending,
                Attempt = command.Attempt,
                ReadyAt = retryAt,
                Error = message,
                Payload = payload,
                Events = events,
            };
        }

        var status = context.DeadLetterQueue ? CommandStatus.DeadLetter : CommandStatus.Failed;
        Log.CommandFailed(_logger, error, command.Name, command.Id, command.Attempt, message);
        var (children, hookNote) = await RunHookAsync("recover", registration.Recover is { } recover
            ? () => recover(commandContext, error, HardStopToken)
            : null, command, end).ConfigureAwait(false);
        events.Add(new HistoryEvent(command.Id, HistoryEventType.Failed, end, command.Attempt, detail, ran ? end - start : null,
            Join(status == CommandStatus.DeadLetter ? "Moved to the dead-letter queue." : null, hookNote)));
        NotifyErrorHandler(command, status, message, end, error);
        return new CommandOutcome
        {
            CommandId = command.Id,
            LeaseId = item.Lease.LeaseId,
            Status = status,
            Attempt = command.Attempt,
            CompletedAt = end,
            Error = message,
            Payload = payload,
            Events = events,
            NewCommands = children,
        };
    }

    private async ValueTask<CommandOutcome> ExpireAsync(InflightCommand item, Registration registration, int maxRetries,
        DateTimeOffset now, DateTimeOffset deadline, IServiceProvider? services)
    {
        var command = item.Command;
        Log.CommandExpired(_logger, command.Name, command.Id, deadline, command.Attempt);
        _telemetry.Expired(command.Name);
        var (children, hookNote) = await RunHookAsync("expired", registration.Expired is { } expired
            ? () => expired(NewContext(command, maxRetries, HardStopToken, services), HardStopToken)
            : null, command, now).ConfigureAwait(false);
        return new CommandOutcome
        {
            CommandId = command.Id,
            LeaseId = item.Lease.LeaseId,
            Status = CommandStatus.Expired,
            Attempt = command.Attempt - 1,
            CompletedAt = now,
            Error = command.Error,
            NewCommands = children,
            Events =
            [
                new HistoryEvent(command.Id, HistoryEventType.Expired, now, command.Attempt - 1,
                    Message: Join(string.Create(CultureInfo.InvariantCulture, $"Deadline {deadline:O} passed before the attempt could start."), hookNote)),
            ],
        };
    }

    private static CommandOutcome Cancelled(InflightCommand item) => new()
    {
        // The store has already cancelled the command (or another executor owns it now): this outcome is rejected.
        CommandId = item.Command.Id,
        LeaseId = item.Lease.LeaseId,
        Status = CommandStatus.Cancelled,
        Attempt = item.Command.Attempt,
    };

    private static CommandOutcome Interrupted(InflightCommand item, DateTimeOffset start, DateTimeOffset end) => new()
    {
        CommandId = item.Command.Id,
        LeaseId = item.Lease.LeaseId,
        Status = CommandStatus.Pending,
        Attempt = item.Command.Attempt - 1,
        ReadyAt = end,
        Error = item.Command.Error,
        Events =
        [
            new HistoryEvent(item.Command.Id, HistoryEventType.Started, start, item.Command.Attempt),
            new HistoryEvent(item.Command.Id, HistoryEventType.Interrupted, end, item.Command.Attempt, Duration: end - start,
                Message: "The executor shut down before the attempt finished; it will run again (the attempt is not counted)."),
        ],
    };

    /// <summary>Runs a recover or expired hook; its spawned commands are returned to be enqueued with the outcome.</summary>
    private async ValueTask<(IReadOnlyList<CommandInstance> Children, string? Note)> RunHookAsync(string hook,
        Func<ValueTask<CommandResult>>? invoke, CommandInstance command, DateTimeOffset now)
    {
        if (invoke is null)
        {
            return ([], null);
        }

        try
        {
            var result = await invoke().ConfigureAwait(false);
            if (result is null || result.Kind is CommandResultKind.Empty or CommandResultKind.Repeat or CommandResultKind.Retry)
            {
                return ([], result?.Kind is CommandResultKind.Repeat or CommandResultKind.Retry
                    ? $"The {hook} hook returned {result.Kind}, which only spawn results can express here; ignored."
                    : null);
            }

            var children = BuildChildren(result, command, now);
            return (children, string.Create(CultureInfo.InvariantCulture, $"The {hook} hook spawned {children.Count} command(s)."));
        }
        catch (Exception ex)
        {
            Log.HookFailed(_logger, ex, hook, command.Name, command.Id);
            return ([], $"The {hook} hook failed: {ErrorMessage(ex)}");
        }
    }

    private IReadOnlyList<CommandInstance> BuildChildren(CommandResult result, CommandInstance parent, DateTimeOffset now)
    {
        if (result.Kind == CommandResultKind.SpawnThen)
        {
            var then = result.Continuation!;
            if (result.Commands.Count == 0)
            {
                return [CommandFactory.CreateChild(then, now, context.Registry, _options.MaxPayloadBytes, parent)];
            }

            if (result.Commands.FirstOrDefault(c => c.UniqueKey is not null) is { } keyed)
            {
                throw new ArgumentException(
                    $"SpawnThen child '{keyed.Name}' has unique key '{keyed.UniqueKey}': fan-in children cannot be deduplicated, because the continuation must see every one of them.");
            }

            var continuation = CommandFactory.CreateChild(then, now, context.Registry, _options.MaxPayloadBytes, parent,
                status: CommandStatus.Waiting, fanInTotal: result.Commands.Count);
            var list = new List<CommandInstance>(result.Commands.Count + 1) { continuation };
            foreach (var spec in result.Commands)
            {
                list.Add(CommandFactory.CreateChild(spec, now, context.Registry, _options.MaxPayloadBytes, parent, awaitedBy: continuation.Id));
            }

            return list;
        }

        if (result.Commands.Count == 0)
        {
            return [];
        }

        var children = new CommandInstance[result.Commands.Count];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = CommandFactory.CreateChild(result.Commands[i], now, context.Registry, _options.MaxPayloadBytes, parent);
        }

        return children;
    }

    private void NotifyErrorHandler(CommandInstance command, CommandStatus status, string message, DateTimeOffset end, Exception error)
    {
        if (_options.ErrorHandler is not { } handler)
        {
            return;
        }

        try
        {
            handler(new CommandInstance
            {
                Id = command.Id,
                Name = command.Name,
                Status = status,
                Payload = command.Payload,
                Attempt = command.Attempt,
                Retries = command.Retries,
                Sequence = command.Sequence,
                ParentId = command.ParentId,
                Priority = command.Priority,
                Tags = command.Tags,
                UniqueKey = command.UniqueKey,
                TraceId = command.TraceId,
                TraceParent = command.TraceParent,
                CorrelationId = command.CorrelationId,
                CreatedAt = command.CreatedAt,
                ReadyAt = command.ReadyAt,
                StartedAt = command.StartedAt,
                CompletedAt = end,
                DeadlineAt = command.DeadlineAt,
                Timeout = command.Timeout,
                Period = command.Period,
                Cron = command.Cron,
                CronTimeZone = command.CronTimeZone,
                Error = message,
                AwaitedBy = command.AwaitedBy,
                FanInTotal = command.FanInTotal,
            }, error);
        }
        catch (Exception ex)
        {
            Log.ErrorHandlerFailed(_logger, ex, command.Name, command.Id);
        }
    }

    // Exception texts come from any code: a NUL in one would make PostgreSQL refuse the whole batch of outcomes.
    private static string ErrorMessage(Exception error) =>
        string.IsNullOrWhiteSpace(error.Message) ? error.GetType().Name : StoredText.Clean(error.Message);

    private static string ErrorDetail(Exception error)
    {
        var text = StoredText.Clean(error is DurexException or TimeoutException ? error.Message : error.ToString());
        return text.Length <= MaxErrorDetailLength ? text : string.Concat(text.AsSpan(0, MaxErrorDetailLength), "…");
    }

    /// <summary>True when the failure (or one it wraps) is a parse error, as reading an unparsable payload throws.</summary>
    private static bool FromReadingData(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is System.Text.Json.JsonException or FormatException)
            {
                return true;
            }
        }

        return false;
    }

    private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : $"{a} {b}";

    /// <summary>The failure a <see cref="CommandResult.Retry"/> result turns into.</summary>
    private sealed class RetryRequestedException() : DurexException("The handler asked for a retry.");
}
