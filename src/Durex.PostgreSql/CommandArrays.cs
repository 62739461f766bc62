using System.Text;
using Npgsql;
using Durex.Storage;
using NpgsqlTypes;

namespace Durex.PostgreSql;

/// <summary>
/// Commands as column arrays, inserted by one <c>INSERT … SELECT FROM unnest(…)</c> statement (a round trip for any
/// number of rows, one prepared statement for every batch size).
/// </summary>
internal static class CommandArrays
{
    /// <summary>Number of array parameters <see cref="Add"/> appends.</summary>
    public const int Count = 31;

    /// <summary>
    /// The <c>SELECT … FROM unnest(…)</c> producing rows for <see cref="Schema.Columns"/>, reading parameters from
    /// <c>$first</c>; with <paramref name="ownerParameter"/> the rows carry an <c>owner</c> column (from that parameter).
    /// </summary>
    public static string Select(int first, int? ownerParameter = null, string? where = null)
    {
        var p = first;
        string Next(string type) => $"${p++}::{type}[]";
        var arrays = new StringBuilder();
        if (ownerParameter is { } owner)
        {
            arrays.Append($"${owner}::uuid[], ");
        }

        arrays.Append(string.Join(", ",
            Next("uuid"), Next("text"), Next("text"), Next("bytea"), Next("int4"), Next("int4"), Next("text"), Next("uuid"),
            Next("int4"), Next("text"), Next("text"), Next("text"), Next("text"), Next("timestamptz"), Next("timestamptz"),
            Next("timestamptz"), Next("timestamptz"), Next("timestamptz"), Next("int8"), Next("int8"), Next("text"), Next("text"),
            Next("text"), Next("text"), Next("uuid"), Next("timestamptz"), Next("uuid"), Next("int4"), Next("int4"), Next("bool"), Next("text")));
        var columns = (ownerParameter is null ? "" : "owner, ") + Schema.Columns + ", ord";
        return $"""
            SELECT u.id, u.name, u.status, u.payload, u.attempt, u.retries,
                   CASE WHEN u.sequence IS NULL THEN '{"{}"}'::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(u.sequence::jsonb)) END,
                   u.parent_id, u.priority,
                   CASE WHEN u.tags IS NULL THEN '{"{}"}'::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)) END,
                   u.unique_key, u.trace_id, u.correlation_id, u.created_at, u.ready_at, u.started_at, u.completed_at, u.deadline_at,
                   u.timeout_ticks, u.period_ticks, u.cron, u.cron_time_zone, u.error, u.lease_owner, u.lease_id, u.lease_expires_at,
                   u.awaited_by, u.fan_in_total, u.fan_in_pending, u.fan_in_failed, u.trace_parent
            FROM unnest({arrays}) WITH ORDINALITY AS u({columns})
            {(where is null ? "" : "WHERE " + where)}
            ORDER BY u.ord
            """;
    }

    /// <summary>Appends the <see cref="Count"/> array parameters of <paramref name="commands"/>.</summary>
    public static void Add(NpgsqlParameterCollection parameters, IReadOnlyList<CommandInstance> commands)
    {
        var n = commands.Count;
        var id = new Guid[n];
        var name = new string[n];
        var status = new string[n];
        var payload = new byte[n][];
        var attempt = new int[n];
        var retries = new int?[n];
        var sequence = new string?[n];
        var parent = new Guid?[n];
        var priority = new int[n];
        var tags = new string?[n];
        var uniqueKey = new string?[n];
        var traceId = new string?[n];
        var correlationId = new string?[n];
        var createdAt = new DateTime[n];
        var readyAt = new DateTime[n];
        var startedAt = new DateTime?[n];
        var completedAt = new DateTime?[n];
        var deadlineAt = new DateTime?[n];
        var timeout = new long?[n];
        var period = new long?[n];
        var cron = new string?[n];
        var cronZone = new string?[n];
        var error = new string?[n];
        var leaseOwner = new string?[n];
        var leaseId = new Guid?[n];
        var leaseExpiresAt = new DateTime?[n];
        var awaitedBy = new Guid?[n];
        var fanInTotal = new int[n];
        var fanInPending = new int[n];
        var fanInFailed = new bool[n];
        var traceParent = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var c = commands[i];
            id[i] = c.Id;
            name[i] = c.Name;
            status[i] = c.Status.ToWireName();
            payload[i] = Rows.PayloadBytes(c.Payload);
            attempt[i] = c.Attempt;
            retries[i] = c.Retries;
            sequence[i] = StoreJson.WriteStringArray(c.Sequence);
            parent[i] = c.ParentId;
            priority[i] = c.Priority;
            tags[i] = StoreJson.WriteStringArray(c.Tags);
            uniqueKey[i] = c.UniqueKey;
            traceId[i] = c.TraceId;
            correlationId[i] = c.CorrelationId;
            createdAt[i] = Rows.Utc(c.CreatedAt);
            readyAt[i] = Rows.Utc(c.ReadyAt);
            startedAt[i] = Rows.Utc(c.StartedAt);
            completedAt[i] = Rows.Utc(c.CompletedAt);
            deadlineAt[i] = Rows.Utc(c.DeadlineAt);
            timeout[i] = c.Timeout?.Ticks;
            period[i] = c.Period?.Ticks;
            cron[i] = c.Cron;
            cronZone[i] = c.CronTimeZone;
            error[i] = c.Error;
            leaseOwner[i] = c.LeaseOwner;
            leaseId[i] = c.LeaseId;
            leaseExpiresAt[i] = Rows.Utc(c.LeaseExpiresAt);
            awaitedBy[i] = c.AwaitedBy;
            fanInTotal[i] = c.FanInTotal;
            fanInPending[i] = c.FanInPending;
            fanInFailed[i] = c.FanInFailed;
            traceParent[i] = c.TraceParent;
        }

        const NpgsqlDbType A = NpgsqlDbType.Array;
        Add(parameters, id, A | NpgsqlDbType.Uuid);
        Add(parameters, name, A | NpgsqlDbType.Text);
        Add(parameters, status, A | NpgsqlDbType.Text);
        Add(parameters, payload, A | NpgsqlDbType.Bytea);
        Add(parameters, attempt, A | NpgsqlDbType.Integer);
        Add(parameters, retries, A | NpgsqlDbType.Integer);
        Add(parameters, sequence, A | NpgsqlDbType.Text);
        Add(parameters, parent, A | NpgsqlDbType.Uuid);
        Add(parameters, priority, A | NpgsqlDbType.Integer);
        Add(parameters, tags, A | NpgsqlDbType.Text);
        Add(parameters, uniqueKey, A | NpgsqlDbType.Text);
        Add(parameters, traceId, A | NpgsqlDbType.Text);
        Add(parameters, correlationId, A | NpgsqlDbType.Text);
        Add(parameters, createdAt, A | NpgsqlDbType.TimestampTz);
        Add(parameters, readyAt, A | NpgsqlDbType.TimestampTz);
        Add(parameters, startedAt, A | NpgsqlDbType.TimestampTz);
        Add(parameters, completedAt, A | NpgsqlDbType.TimestampTz);
        Add(parameters, deadlineAt, A | NpgsqlDbType.TimestampTz);
        Add(parameters, timeout, A | NpgsqlDbType.Bigint);
        Add(parameters, period, A | NpgsqlDbType.Bigint);
        Add(parameters, cron, A | NpgsqlDbType.Text);
        Add(parameters, cronZone, A | NpgsqlDbType.Text);
        Add(parameters, error, A | NpgsqlDbType.Text);
        Add(parameters, leaseOwner, A | NpgsqlDbType.Text);
        Add(parameters, leaseId, A | NpgsqlDbType.Uuid);
        Add(parameters, leaseExpiresAt, A | NpgsqlDbType.TimestampTz);
        Add(parameters, awaitedBy, A | NpgsqlDbType.Uuid);
        Add(parameters, fanInTotal, A | NpgsqlDbType.Integer);
        Add(parameters, fanInPending, A | NpgsqlDbType.Integer);
        Add(parameters, fanInFailed, A | NpgsqlDbType.Boolean);
        Add(parameters, traceParent, A | NpgsqlDbType.Text);
    }

    public static void Add<T>(NpgsqlParameterCollection parameters, T value, NpgsqlDbType type) =>
        parameters.Add(new NpgsqlParameter<T> { TypedValue = value, NpgsqlDbType = type });

    /// <summary>Writes the rows for <see cref="Schema.Columns"/> with binary COPY.</summary>
    public static async Task CopyAsync(NpgsqlConnection connection, Schema schema, IReadOnlyList<CommandInstance> commands, CancellationToken cancellationToken)
    {
        await using (var writer = await connection.BeginBinaryImportAsync(
            $"COPY {schema.Commands} ({Schema.Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var c in commands)
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Id, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Name, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Status.ToWireName(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(Rows.PayloadBytes(c.Payload), NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Attempt, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, c.Retries, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Sequence as string[] ?? c.Sequence.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, c.ParentId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Priority, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Tags as string[] ?? c.Tags.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.UniqueKey, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.TraceId, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.CorrelationId, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(Rows.Utc(c.CreatedAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(Rows.Utc(c.ReadyAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, Rows.Utc(c.StartedAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, Rows.Utc(c.CompletedAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, Rows.Utc(c.DeadlineAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, c.Timeout?.Ticks, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, c.Period?.Ticks, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.Cron, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.CronTimeZone, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.Error, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.LeaseOwner, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, c.LeaseId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, Rows.Utc(c.LeaseExpiresAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await WriteNullable(writer, c.AwaitedBy, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.FanInTotal, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.FanInPending, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.FanInFailed, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                await WriteText(writer, c.TraceParent, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            $"COPY {schema.History} (command_id, type, at, attempt) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            var created = HistoryEventType.Created.ToWireName();
            foreach (var c in commands)
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(c.Id, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(created, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(Rows.Utc(c.CreatedAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(0, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task WriteNullable<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where T : struct =>
        value is { } v ? writer.WriteAsync(v, type, cancellationToken) : writer.WriteNullAsync(cancellationToken);

    private static Task WriteText(NpgsqlBinaryImporter writer, string? value, CancellationToken cancellationToken) =>
        value is not null ? writer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken) : writer.WriteNullAsync(cancellationToken);
}
