using System.Text;
using Durex.Storage;

namespace Durex;

/// <summary>
/// The in-memory store: the full store contract (leases, history, unique keys, fan-in, queries) in one process, for
/// development, tests and throw-away work. Nothing survives the process.
/// </summary>
/// <remarks>
/// Ready commands sit in a priority heap, future ones in a heap ordered by ready time, so a claim costs O(k log n).
/// Several executors in one process may share one instance.
/// </remarks>
public sealed class MemoryStore : ICommandStore
{
    private static readonly Comparer<ReadyKey> ReadyOrder = Comparer<ReadyKey>.Create(static (a, b) =>
    {
        var byPriority = b.Priority.CompareTo(a.Priority);
        if (byPriority != 0)
        {
            return byPriority;
        }

        var byTime = a.ReadyTicks.CompareTo(b.ReadyTicks);
        return byTime != 0 ? byTime : a.Stamp.CompareTo(b.Stamp);
    });

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Row> _rows = [];
    private readonly PriorityQueue<Row, ReadyKey> _ready = new(ReadyOrder);
    private readonly PriorityQueue<Row, (long ReadyTicks, long Stamp)> _scheduled = new();
    private readonly Dictionary<string, Guid> _uniqueKeys = new(StringComparer.Ordinal);
    private readonly HashSet<Row> _started = [];

    // Fan-in children by continuation, in insertion order: a continuation reads its children without a scan of every row.
    private readonly Dictionary<Guid, List<Row>> _children = [];
    private readonly long[] _counts = new long[Enum.GetValues<CommandStatus>().Length];
    private readonly StoreObservers _observers = new();
    private long _stamp;
    private bool _disposed;

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask EnqueueAsync(IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        if (commands.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            HashSet<string>? batchKeys = null;
            foreach (var command in commands)
            {
                if (_rows.ContainsKey(command.Id))
                {
                    throw new InvalidOperationException($"Command {command.Id} already exists.");
                }

                if (command.UniqueKey is { } key)
                {
                    if (_uniqueKeys.TryGetValue(key, out var holder))
                    {
                        throw new DuplicateCommandException(key, holder);
                    }

                    if (!(batchKeys ??= new(StringComparer.Ordinal)).Add(key))
                    {
                        throw new DuplicateCommandException(key, null);
                    }
                }
            }

            foreach (var command in commands)
            {
                Insert(command);
            }
        }

        NotifyWork();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<CommandInstance>> ClaimAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        var nowTicks = request.Now.UtcTicks;
        var claimed = new List<CommandInstance>(Math.Min(request.Limit, 256));
        Dictionary<string, int>? taken = null;
        List<Row>? setAside = null;
        var leaseId = Guid.NewGuid(); // one per claim, shared by the batch: a lease is (command id, lease id)

        lock (_gate)
        {
            ThrowIfDisposed();
            PromoteDue(nowTicks);
            while (claimed.Count < request.Limit && _ready.TryDequeue(out var row, out var key))
            {
                if (IsStale(row, key.Stamp))
                {
                    continue;
                }

                if (row.ReadyAt.UtcTicks > nowTicks || !request.Names.Contains(row.Name) || !UnderLimit(row.Name, request.NameLimits, taken))
                {
                    (setAside ??= []).Add(row);
                    continue;
                }

                if (request.NameLimits is not null && request.NameLimits.ContainsKey(row.Name))
                {
                    taken ??= new(StringComparer.Ordinal);
                    taken[row.Name] = taken.GetValueOrDefault(row.Name) + 1;
                }

                SetStatus(row, CommandStatus.Started);
                row.Attempt++;
                row.StartedAt = request.Now;
                row.LeaseOwner = request.Owner;
                row.LeaseId = leaseId;
                row.LeaseExpiresAt = request.LeaseExpiresAt;
                row.QueueStamp = 0;
                claimed.Add(row.Snapshot());
            }

            if (setAside is not null)
            {
                foreach (var row in setAside)
                {
                    Queue(row);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<CommandInstance>>(claimed);
    }

    /// <inheritdoc />
    public ValueTask<ApplyResult> ApplyAsync(IReadOnlyList<CommandOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        List<Guid>? rejected = null;
        List<Guid>? skipped = null;
        var work = false;

        lock (_gate)
        {
            ThrowIfDisposed();
            foreach (var outcome in outcomes)
            {
                if (!_rows.TryGetValue(outcome.CommandId, out var row) || row.Status != CommandStatus.Started || row.LeaseId != outcome.LeaseId)
                {
                    (rejected ??= []).Add(outcome.CommandId);
                    continue;
                }

                foreach (var child in outcome.NewCommands)
                {
                    if (child.UniqueKey is { } key && _uniqueKeys.ContainsKey(key))
                    {
                        (skipped ??= []).Add(child.Id);
                        continue;
                    }

                    Insert(child);
                    work |= child.Status == CommandStatus.Pending;
                }

                row.Attempt = outcome.Attempt;
                row.Error = outcome.Error;
                if (outcome.Payload is { } payload)
                {
                    row.Payload = payload;
                }

                row.LeaseOwner = null;
                row.LeaseId = null;
                row.LeaseExpiresAt = null;
                row.Events.AddRange(outcome.Events);
                if (outcome.Status.IsTerminal())
                {
                    row.CompletedAt = outcome.CompletedAt;
                    SetStatus(row, outcome.Status);
                    work |= OnTerminal(row);
                }
                else
                {
                    row.ReadyAt = outcome.ReadyAt;
                    SetStatus(row, outcome.Status);
                    Queue(row);
                    work = true;
                }
            }
        }

        if (work)
        {
            NotifyWork();
        }

        return ValueTask.FromResult(rejected is null && skipped is null
            ? ApplyResult.AllApplied
            : new ApplyResult(rejected ?? [], skipped ?? []));
    }

    /// <inheritdoc />
    public ValueTask<DateTimeOffset?> GetNextReadyAtAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        lock (_gate)
        {
            ThrowIfDisposed();
            while (_ready.TryPeek(out var row, out var key) && IsStale(row, key.Stamp))
            {
                _ready.Dequeue();
            }

            while (_scheduled.TryPeek(out var row, out var key) && IsStale(row, key.Stamp))
            {
                _scheduled.Dequeue();
            }

            // Fast path: the heads are handled names (the usual single-executor case).
            long? best = null;
            if (_ready.TryPeek(out var readyRow, out _) && names.Contains(readyRow.Name))
            {
                best = readyRow.ReadyAt.UtcTicks;
            }
            else if (_ready.Count == 0 && _scheduled.TryPeek(out var nextRow, out _) && names.Contains(nextRow.Name))
            {
                best = nextRow.ReadyAt.UtcTicks;
            }
            else if (_ready.Count > 0 || _scheduled.Count > 0)
            {
                foreach (var row in _rows.Values)
                {
                    if (row.Status is CommandStatus.Pending or CommandStatus.Repeating && names.Contains(row.Name) &&
                        (best is null || row.ReadyAt.UtcTicks < best))
                    {
                        best = row.ReadyAt.UtcTicks;
                    }
                }
            }

            return ValueTask.FromResult(best is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : (DateTimeOffset?)null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Guid>> RenewLeasesAsync(IReadOnlyList<LeaseRef> leases, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        List<Guid>? lost = null;
        lock (_gate)
        {
            ThrowIfDisposed();
            foreach (var lease in leases)
            {
                if (_rows.TryGetValue(lease.CommandId, out var row) && row.Status == CommandStatus.Started && row.LeaseId == lease.LeaseId)
                {
                    row.LeaseExpiresAt = expiresAt;
                }
                else
                {
                    (lost ??= []).Add(lease.CommandId);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<Guid>>(lost ?? []);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Guid>> RescueExpiredLeasesAsync(DateTimeOffset now, string? exceptOwner = null, CancellationToken cancellationToken = default)
    {
        List<Guid>? rescued = null;
        lock (_gate)
        {
            ThrowIfDisposed();
            foreach (var row in _started.Where(r => r.LeaseExpiresAt < now && r.LeaseOwner != exceptOwner).ToList())
            {
                row.Events.Add(new HistoryEvent(row.Id, HistoryEventType.Recovered, now, row.Attempt,
                    Message: $"Lease of {row.LeaseOwner} expired at {row.LeaseExpiresAt:O}; the command is pending again."));
                row.LeaseOwner = null;
                row.LeaseId = null;
                row.LeaseExpiresAt = null;
                row.ReadyAt = now;
                SetStatus(row, CommandStatus.Pending);
                Queue(row);
                (rescued ??= []).Add(row.Id);
            }
        }

        if (rescued is not null)
        {
            NotifyWork();
        }

        return ValueTask.FromResult<IReadOnlyList<Guid>>(rescued ?? []);
    }

    /// <inheritdoc />
    public ValueTask<CommandInstance> CancelAsync(Guid id, DateTimeOffset now, string? reason, CancellationToken cancellationToken = default)
    {
        CommandInstance snapshot;
        bool work;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_rows.TryGetValue(id, out var row))
            {
                throw new CommandNotFoundException(id);
            }

            if (!row.Status.IsActive())
            {
                throw new InvalidCommandStateException(id, row.Status, "cancel");
            }

            work = Cancel(row, now, reason);
            snapshot = row.Snapshot();
        }

        NotifyCancelled([id]);
        if (work)
        {
            NotifyWork();
        }

        return ValueTask.FromResult(snapshot);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Guid>> CancelByTagAsync(string tag, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        var cancelled = new List<Guid>();
        var work = false;
        lock (_gate)
        {
            ThrowIfDisposed();
            foreach (var row in _rows.Values.Where(r => r.Status.IsActive() && r.Tags.Contains(tag)).ToList())
            {
                work |= Cancel(row, now, $"Cancelled by tag '{tag}'.");
                cancelled.Add(row.Id);
            }
        }

        if (cancelled.Count > 0)
        {
            NotifyCancelled(cancelled);
        }

        if (work)
        {
            NotifyWork();
        }

        return ValueTask.FromResult<IReadOnlyList<Guid>>(cancelled);
    }

    /// <inheritdoc />
    public ValueTask<CommandInstance> RequeueAsync(Guid id, DateTimeOffset now, string? message, CancellationToken cancellationToken = default)
    {
        CommandInstance snapshot;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_rows.TryGetValue(id, out var row))
            {
                throw new CommandNotFoundException(id);
            }

            if (row.Status is not (CommandStatus.Failed or CommandStatus.DeadLetter))
            {
                throw new InvalidCommandStateException(id, row.Status, "replay");
            }

            if (row.UniqueKey is { } key && _uniqueKeys.TryGetValue(key, out var holder))
            {
                throw new DuplicateCommandException(key, holder);
            }

            row.Events.Add(new HistoryEvent(id, HistoryEventType.Replayed, now, 0, Message: message ?? $"Replayed from {row.Status.ToWireName()}."));
            row.Attempt = 0;
            row.Error = null;
            row.StartedAt = null;
            row.CompletedAt = null;
            row.FanInFailed = false;
            row.ReadyAt = now;
            SetStatus(row, CommandStatus.Pending);
            if (row.UniqueKey is { } heldKey)
            {
                _uniqueKeys[heldKey] = row.Id;
            }

            Queue(row);
            snapshot = row.Snapshot();
        }

        NotifyWork();
        return ValueTask.FromResult(snapshot);
    }

    /// <inheritdoc />
    public ValueTask<int> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deleted = 0;
        lock (_gate)
        {
            ThrowIfDisposed();
            var limit = request.Limit ?? int.MaxValue;
            HashSet<Guid>? orphaned = null; // continuations that lost children: their lists are compacted once at the end
            foreach (var row in _rows.Values.ToList())
            {
                if (deleted >= limit)
                {
                    break;
                }

                if (row.Status.IsTerminal() && request.Statuses.Contains(row.Status) && row.CompletedAt < request.CompletedBefore &&
                    !(row.AwaitedBy is { } continuation && _rows.TryGetValue(continuation, out var waiter) && waiter.Status.IsActive()))
                {
                    _rows.Remove(row.Id);
                    _counts[(int)row.Status]--;
                    _children.Remove(row.Id);
                    if (row.AwaitedBy is { } parent)
                    {
                        (orphaned ??= []).Add(parent);
                    }

                    deleted++;
                }
            }

            foreach (var parent in orphaned ?? [])
            {
                if (_children.TryGetValue(parent, out var siblings) && siblings.RemoveAll(r => !_rows.ContainsKey(r.Id)) > 0 && siblings.Count == 0)
                {
                    _children.Remove(parent);
                }
            }
        }

        return ValueTask.FromResult(deleted);
    }

    /// <inheritdoc />
    public ValueTask<CommandInstance?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult(_rows.TryGetValue(id, out var row) ? row.Snapshot() : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HistoryEvent>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult<IReadOnlyList<HistoryEvent>>(_rows.TryGetValue(id, out var row) ? row.Events.ToArray() : []);
        }
    }

    /// <inheritdoc />
    public ValueTask<CommandPage> FindAsync(CommandQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        CommandCursor? cursor = CommandCursor.TryDecode(query.Cursor, out var c) ? c : null;
        var descending = query.Order == CommandOrder.NewestFirst;
        var search = string.IsNullOrWhiteSpace(query.Search) ? null : query.Search.Trim();

        // Keep the first `limit + 1` matches in sort order with a bounded heap: O(n log k), no full sort.
        var comparer = Comparer<(long Ticks, Guid Id)>.Create((a, b) =>
        {
            var order = a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Id.CompareTo(b.Id);
            return descending ? order : -order; // greater = earlier in the results: the heap's root is the worst kept match
        });
        bool AfterCursor((long Ticks, Guid Id) position) =>
            cursor is not { } after || comparer.Compare(position, (after.CreatedAt.UtcTicks, after.Id)) < 0;

        lock (_gate)
        {
            ThrowIfDisposed();
            // A search window: the last of the next `window` commands in sort order bounds the search.
            CommandCursor? windowEnd = null;
            if (query.IsSearchWindowed && query.SearchWindow is { } window)
            {
                var candidates = new PriorityQueue<Row, (long Ticks, Guid Id)>(comparer);
                foreach (var row in _rows.Values)
                {
                    var position = (row.CreatedAt.UtcTicks, row.Id);
                    if (AfterCursor(position))
                    {
                        Keep(candidates, window, row, position);
                    }
                }

                if (candidates.Count == window && candidates.TryPeek(out var last, out _))
                {
                    windowEnd = new CommandCursor(last.CreatedAt, last.Id);
                }
            }

            var heap = new PriorityQueue<Row, (long Ticks, Guid Id)>(comparer);
            foreach (var row in _rows.Values)
            {
                var position = (row.CreatedAt.UtcTicks, row.Id);
                if (Matches(row, query, search) && AfterCursor(position) &&
                    (windowEnd is not { } end || comparer.Compare(position, (end.CreatedAt.UtcTicks, end.Id)) >= 0))
                {
                    Keep(heap, query.Limit + 1, row, position);
                }
            }

            var items = new List<CommandInstance>(heap.Count);
            while (heap.TryDequeue(out var row, out _))
            {
                items.Add(row.Snapshot());
            }

            items.Reverse();
            return ValueTask.FromResult(CommandPage.From(items, query, windowEnd));
        }

        // Keeps the `keep` best positions: the heap's root is the worst kept one.
        void Keep(PriorityQueue<Row, (long Ticks, Guid Id)> heap, int keep, Row row, (long Ticks, Guid Id) position)
        {
            if (heap.Count < keep)
            {
                heap.Enqueue(row, position);
            }
            else if (heap.TryPeek(out _, out var worst) && comparer.Compare(position, worst) > 0)
            {
                heap.DequeueEnqueue(row, position);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<CommandInstance>> GetFanInChildrenAsync(Guid continuationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            IReadOnlyList<CommandInstance> children = _children.TryGetValue(continuationId, out var rows)
                ? rows.Select(r => r.Snapshot()).ToList()
                : [];
            return ValueTask.FromResult(children);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreStatistics> GetStatisticsAsync(StatisticsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            ThrowIfDisposed();
            var counts = new Dictionary<CommandStatus, long>();
            foreach (var status in Enum.GetValues<CommandStatus>())
            {
                counts[status] = _counts[(int)status];
            }

            long ready = 0;
            DateTimeOffset? oldest = null;
            var byName = request.ReadyCountNames.ToDictionary(n => n, _ => 0L, StringComparer.Ordinal);
            foreach (var row in _rows.Values)
            {
                if (row.Status is CommandStatus.Pending or CommandStatus.Repeating && row.ReadyAt <= request.Now)
                {
                    ready++;
                    if (oldest is null || row.ReadyAt < oldest)
                    {
                        oldest = row.ReadyAt;
                    }

                    if (byName.TryGetValue(row.Name, out var n))
                    {
                        byName[row.Name] = n + 1;
                    }
                }
            }

            return ValueTask.FromResult(new StoreStatistics { Counts = counts, Ready = ready, OldestReadyAt = oldest, ReadyByName = byName });
        }
    }

    /// <inheritdoc />
    public IDisposable Subscribe(IStoreObserver observer) => _observers.Subscribe(observer);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _observers.Clear();
        lock (_gate)
        {
            _disposed = true;
            _rows.Clear();
            _ready.Clear();
            _scheduled.Clear();
            _uniqueKeys.Clear();
            _started.Clear();
            _children.Clear();
        }

        return ValueTask.CompletedTask;
    }

    private void Insert(CommandInstance command)
    {
        var row = new Row(command);
        _rows.Add(row.Id, row);
        _counts[(int)row.Status]++;
        if (row.AwaitedBy is { } continuation)
        {
            if (!_children.TryGetValue(continuation, out var siblings))
            {
                _children[continuation] = siblings = [];
            }

            siblings.Add(row);
        }

        if (row.Status == CommandStatus.Started)
        {
            _started.Add(row);
        }

        if (row.UniqueKey is { } key && row.Status.IsActive())
        {
            _uniqueKeys[key] = row.Id;
        }

        if (row.Status is CommandStatus.Pending or CommandStatus.Repeating)
        {
            Queue(row);
        }
    }

    private void Queue(Row row)
    {
        row.QueueStamp = ++_stamp;
        _scheduled.Enqueue(row, (row.ReadyAt.UtcTicks, row.QueueStamp));
    }

    private void PromoteDue(long nowTicks)
    {
        while (_scheduled.TryPeek(out var row, out var key) && key.ReadyTicks <= nowTicks)
        {
            _scheduled.Dequeue();
            if (!IsStale(row, key.Stamp))
            {
                _ready.Enqueue(row, new ReadyKey(row.Priority, key.ReadyTicks, key.Stamp));
            }
        }
    }

    private static bool IsStale(Row row, long stamp) =>
        row.QueueStamp != stamp || row.Status is not (CommandStatus.Pending or CommandStatus.Repeating);

    private static bool UnderLimit(string name, IReadOnlyDictionary<string, int>? limits, Dictionary<string, int>? taken) =>
        limits is null || !limits.TryGetValue(name, out var limit) || (taken?.GetValueOrDefault(name) ?? 0) < limit;

    private void SetStatus(Row row, CommandStatus status)
    {
        if (row.Status == status)
        {
            return;
        }

        _counts[(int)row.Status]--;
        _counts[(int)status]++;
        if (row.Status == CommandStatus.Started)
        {
            _started.Remove(row);
        }
        else if (status == CommandStatus.Started)
        {
            _started.Add(row);
        }

        row.Status = status;
    }

    /// <summary>Cancels an active row; returns true when a fan-in continuation became ready.</summary>
    private bool Cancel(Row row, DateTimeOffset now, string? reason)
    {
        row.Events.Add(new HistoryEvent(row.Id, HistoryEventType.Cancelled, now, row.Attempt,
            Message: CancelMessage.For(reason, row.Status == CommandStatus.Started, row.Attempt)));
        row.LeaseOwner = null;
        row.LeaseId = null;
        row.LeaseExpiresAt = null;
        row.CompletedAt = now;
        SetStatus(row, CommandStatus.Cancelled);
        return OnTerminal(row);
    }

    /// <summary>Releases the unique key and updates an awaiting fan-in continuation; true when that continuation became ready.</summary>
    private bool OnTerminal(Row row)
    {
        if (row.UniqueKey is { } key && _uniqueKeys.TryGetValue(key, out var holder) && holder == row.Id)
        {
            _uniqueKeys.Remove(key);
        }

        if (row.AwaitedBy is not { } continuationId || !_rows.TryGetValue(continuationId, out var continuation) ||
            continuation.Status != CommandStatus.Waiting)
        {
            return false;
        }

        var now = row.CompletedAt ?? continuation.CreatedAt;
        if (row.Status == CommandStatus.Completed)
        {
            continuation.FanInPending--;
            if (continuation.FanInPending > 0)
            {
                return false;
            }
        }
        else
        {
            continuation.FanInFailed = true;
            continuation.Error = FanIn.FailureMessage(row.Id, row.Name, row.Status, row.Error);
        }

        continuation.ReadyAt = now;
        SetStatus(continuation, CommandStatus.Pending);
        Queue(continuation);
        return true;
    }

    private static bool Matches(Row row, CommandQuery query, string? search)
    {
        if (query.Statuses is { Count: > 0 } statuses && !statuses.Contains(row.Status))
        {
            return false;
        }

        if ((query.Name is not null && !string.Equals(row.Name, query.Name, StringComparison.Ordinal)) ||
            (query.Tag is not null && !row.Tags.Contains(query.Tag)) ||
            (query.CorrelationId is not null && !string.Equals(row.CorrelationId, query.CorrelationId, StringComparison.Ordinal)) ||
            (query.ParentId is not null && row.ParentId != query.ParentId) ||
            (query.CreatedFrom is { } from && row.CreatedAt < from) ||
            (query.CreatedBefore is { } before && row.CreatedAt >= before))
        {
            return false;
        }

        return search is null ||
               (row.Error?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false) ||
               (!row.Payload.IsEmpty && Encoding.UTF8.GetString(row.Payload.Span).Contains(search, StringComparison.OrdinalIgnoreCase));
    }

    private void NotifyWork() => _observers.WorkAvailable();

    private void NotifyCancelled(IReadOnlyList<Guid> ids) => _observers.Cancelled(ids);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private readonly record struct ReadyKey(int Priority, long ReadyTicks, long Stamp);

    /// <summary>The mutable stored form of a command.</summary>
    private sealed class Row(CommandInstance c)
    {
        public readonly Guid Id = c.Id;
        public readonly string Name = c.Name;
        public readonly List<HistoryEvent> Events = CreatedEvents(c);
        public CommandStatus Status = c.Status;
        public ReadOnlyMemory<byte> Payload = c.Payload;
        public int Attempt = c.Attempt;
        public readonly int? Retries = c.Retries;
        public readonly IReadOnlyList<string> Sequence = c.Sequence;
        public readonly Guid? ParentId = c.ParentId;
        public readonly int Priority = c.Priority;
        public readonly IReadOnlyList<string> Tags = c.Tags;
        public readonly string? UniqueKey = c.UniqueKey;
        public readonly string? TraceId = c.TraceId;
        public readonly string? TraceParent = c.TraceParent;
        public readonly string? CorrelationId = c.CorrelationId;
        public readonly DateTimeOffset CreatedAt = c.CreatedAt;
        public DateTimeOffset ReadyAt = c.ReadyAt;
        public DateTimeOffset? StartedAt = c.StartedAt;
        public DateTimeOffset? CompletedAt = c.CompletedAt;
        public readonly DateTimeOffset? DeadlineAt = c.DeadlineAt;
        public readonly TimeSpan? Timeout = c.Timeout;
        public readonly TimeSpan? Period = c.Period;
        public readonly string? Cron = c.Cron;
        public readonly string? CronTimeZone = c.CronTimeZone;
        public string? Error = c.Error;
        public string? LeaseOwner = c.LeaseOwner;
        public Guid? LeaseId = c.LeaseId;
        public DateTimeOffset? LeaseExpiresAt = c.LeaseExpiresAt;
        public readonly Guid? AwaitedBy = c.AwaitedBy;
        public readonly int FanInTotal = c.FanInTotal;
        public int FanInPending = c.FanInPending;
        public bool FanInFailed = c.FanInFailed;
        public long QueueStamp;

        private static List<HistoryEvent> CreatedEvents(CommandInstance c) =>
            [new HistoryEvent(c.Id, HistoryEventType.Created, c.CreatedAt, 0)];

        public CommandInstance Snapshot() => new()
        {
            Id = Id,
            Name = Name,
            Status = Status,
            Payload = Payload,
            Attempt = Attempt,
            Retries = Retries,
            Sequence = Sequence,
            ParentId = ParentId,
            Priority = Priority,
            Tags = Tags,
            UniqueKey = UniqueKey,
            TraceId = TraceId,
            TraceParent = TraceParent,
            CorrelationId = CorrelationId,
            CreatedAt = CreatedAt,
            ReadyAt = ReadyAt,
            StartedAt = StartedAt,
            CompletedAt = CompletedAt,
            DeadlineAt = DeadlineAt,
            Timeout = Timeout,
            Period = Period,
            Cron = Cron,
            CronTimeZone = CronTimeZone,
            Error = Error,
            LeaseOwner = LeaseOwner,
            LeaseId = LeaseId,
            LeaseExpiresAt = LeaseExpiresAt,
            AwaitedBy = AwaitedBy,
            FanInTotal = FanInTotal,
            FanInPending = FanInPending,
            FanInFailed = FanInFailed,
        };
    }
}
