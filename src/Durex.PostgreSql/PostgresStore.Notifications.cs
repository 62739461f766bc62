using Durex.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Durex.PostgreSql;

public sealed partial class PostgresStore
{
    // NOTIFY payloads: "w|<instance>" (work may be ready) and "c|<instance>|<id>,<id>…" (cancelled). The instance id lets a
    // store skip its own notifications (its observers were told directly); an empty one (transactional enqueue) wakes all.
    private const int IdsPerNotification = 200; // 37 bytes each: well under the 8000-byte payload limit

    /// <inheritdoc />
    /// <remarks>
    /// The first subscription starts one dedicated listening connection (LISTEN on <see cref="NotificationChannel"/>),
    /// which reconnects with backoff when it drops; after a reconnect observers are told work may be available, since
    /// notifications sent meanwhile were lost.
    /// </remarks>
    public IDisposable Subscribe(IStoreObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            ThrowIfDisposed();
            _listener ??= new Listener(this);
        }

        return _observers.Subscribe(observer);
    }

    /// <summary>The listening connection (tests watch it), or null before the first subscription.</summary>
    internal Listener? CurrentListener
    {
        get
        {
            lock (_gate)
            {
                return _listener;
            }
        }
    }

    internal static string WorkPayload(string instance) => "w|" + instance;

    private IEnumerable<string> CancelPayloads(Guid[] ids)
    {
        for (var i = 0; i < ids.Length; i += IdsPerNotification)
        {
            yield return $"c|{_instance}|" + string.Join(',', ids.Skip(i).Take(IdsPerNotification));
        }
    }

    private NpgsqlBatchCommand NotifyCommand(string payload)
    {
        var command = new NpgsqlBatchCommand("SELECT pg_notify($1, $2)");
        command.Arg(_schema.Channel, NpgsqlDbType.Text).Arg(payload, NpgsqlDbType.Text);
        return command;
    }

    private async Task SendNotifyAsync(NpgsqlConnection connection, string payload, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction);
        command.Arg(_schema.Channel, NpgsqlDbType.Text).Arg(payload, NpgsqlDbType.Text);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnNotification(string payload)
    {
        var parts = payload.Split('|', 3);
        if (parts.Length < 2 || (parts[1].Length > 0 && parts[1] == _instance))
        {
            return;
        }

        if (parts[0] == "w")
        {
            _observers.WorkAvailable();
        }
        else if (parts[0] == "c" && parts.Length == 3)
        {
            var ids = new List<Guid>();
            foreach (var text in parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Guid.TryParse(text, out var id))
                {
                    ids.Add(id);
                }
            }

            if (ids.Count > 0)
            {
                _observers.Cancelled(ids);
            }
        }
    }

    /// <summary>One dedicated connection LISTENing on the store's channel, reconnecting with backoff.</summary>
    internal sealed class Listener : IAsyncDisposable
    {
        private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
        private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
        private readonly PostgresStore _store;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Listener(PostgresStore store)
        {
            _store = store;
            _loop = Task.Run(RunAsync);
        }

        /// <summary>Completes with the backend process id once the current connection is listening.</summary>
        public Task<int> Listening => Volatile.Read(ref _listening).Task;

        private readonly List<(int Count, TaskCompletionSource<int> Waiter)> _waiters = [];
        private int _connections;
        private int _processId;

        /// <summary>How many times the listening connection was (re)established.</summary>
        public int Connections => Volatile.Read(ref _connections);

        /// <summary>
        /// Completes with the backend process id once the listener has connected <paramref name="count"/> times (and its
        /// after-reconnect wake-up was delivered).
        /// </summary>
        public Task<int> ConnectedAsync(int count)
        {
            lock (_waiters)
            {
                if (_connections >= count)
                {
                    return Task.FromResult(_processId);
                }

                var waiter = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, waiter));
                return waiter.Task;
            }
        }

        private void OnConnected(int processId)
        {
            List<TaskCompletionSource<int>> ready = [];
            lock (_waiters)
            {
                _processId = processId;
                _connections++;
                if (_connections > 1)
                {
                    _store._observers.WorkAvailable(); // anything sent while we were away is lost: look again
                }

                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Count <= _connections)
                    {
                        ready.Add(_waiters[i].Waiter);
                        _waiters.RemoveAt(i);
                    }
                }
            }

            foreach (var waiter in ready)
            {
                waiter.TrySetResult(processId);
            }
        }

        /// <summary>
        /// The connection goes back to the pool, which the store's own data source does not reset (see CreateDataSource):
        /// stop listening, or it would keep receiving notifications for nobody.
        /// </summary>
        private static async Task UnlistenAsync(NpgsqlConnection connection)
        {
            try
            {
                await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Broken connections are not pooled again: nothing to undo.
            }
        }

        private async Task RunAsync()
        {
            var delay = FirstDelay;
            var token = _stop.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await using var connection = await _store._dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                    connection.Notification += (_, e) => _store.OnNotification(e.Payload);
                    await using (var listen = new NpgsqlCommand($"LISTEN {Schema.Quote(_store._schema.Channel)}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    }

                    OnConnected(connection.ProcessID);
                    delay = FirstDelay;
                    Volatile.Read(ref _listening).TrySetResult(connection.ProcessID);
                    try
                    {
                        while (true)
                        {
                            await connection.WaitAsync(token).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        await UnlistenAsync(connection).ConfigureAwait(false);
                    }
                }
                catch (Exception) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception)
                {
                    // The connection dropped (server restart, failover, terminated backend): wait and reconnect.
                    if (Volatile.Read(ref _listening).Task.IsCompleted)
                    {
                        Volatile.Write(ref _listening, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
                    }

                    try
                    {
                        await Task.Delay(delay, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // stopping
            }

            _stop.Dispose();
        }
    }
}
