using System.Text.Json;
using System.Text.Json.Serialization;

namespace Durex.Dashboard;

// The wire shapes of the JSON API (docs/dashboard.md). Serialized with the source-generated DashboardJsonContext only.
// The durex CLI prints commands and history in these same shapes (its --json), so a script reads both alike.

internal sealed class CommandDto
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required string Status { get; init; }
    public int Attempt { get; init; }
    public int? Retries { get; init; }
    public int Priority { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? UniqueKey { get; init; }
    public string? CorrelationId { get; init; }
    public string? TraceId { get; init; }
    public Guid? ParentId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ReadyAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public DateTimeOffset? DeadlineAt { get; init; }
    public double? TimeoutSeconds { get; init; }
    public double? PeriodSeconds { get; init; }
    public string? Cron { get; init; }
    public string? CronTimeZone { get; init; }
    public string? Error { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public IReadOnlyList<string> Sequence { get; init; } = [];
    public int FanInTotal { get; init; }
    public int FanInPending { get; init; }
    public bool FanInFailed { get; init; }

    /// <summary>The payload (detail only): re-serialized, so every string in it is JSON-escaped by the writer.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Payload { get; init; }

    public static CommandDto From(CommandInstance c, bool withPayload) => new()
    {
        Id = c.Id,
        Name = c.Name,
        Status = c.Status.ToWireName(),
        Attempt = c.Attempt,
        Retries = c.Retries,
        Priority = c.Priority,
        Tags = c.Tags,
        UniqueKey = c.UniqueKey,
        CorrelationId = c.CorrelationId,
        TraceId = c.TraceId,
        ParentId = c.ParentId,
        CreatedAt = c.CreatedAt,
        ReadyAt = c.ReadyAt,
        StartedAt = c.StartedAt,
        CompletedAt = c.CompletedAt,
        DeadlineAt = c.DeadlineAt,
        TimeoutSeconds = c.Timeout?.TotalSeconds,
        PeriodSeconds = c.Period?.TotalSeconds,
        Cron = c.Cron,
        CronTimeZone = c.CronTimeZone,
        Error = ErrorOf(c),
        LeaseOwner = c.LeaseOwner,
        LeaseExpiresAt = c.LeaseExpiresAt,
        Sequence = c.Sequence,
        FanInTotal = c.FanInTotal,
        FanInPending = c.FanInPending,
        FanInFailed = c.FanInFailed,
        Payload = withPayload ? ParsePayload(c.Payload) : null,
    };

    /// <summary>The stored error, led by why the row could not be read when a store says so (unless the error already is that).</summary>
    private static string? ErrorOf(CommandInstance c) =>
        c.ReadError is not { } unreadable || (c.Error?.Contains(unreadable, StringComparison.Ordinal) ?? false)
            ? c.Error
            : c.Error is null ? $"Unreadable row: {unreadable}" : $"Unreadable row: {unreadable} Last error: {c.Error}";

    /// <summary>A stored payload as JSON; one that is not JSON (written outside Durex) becomes a string saying so.</summary>
    public static JsonElement ParsePayload(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
        {
            using var empty = JsonDocument.Parse("{}");
            return empty.RootElement.Clone();
        }

        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            // A payload written outside Durex that is not JSON: shown as a JSON string saying so, with its text (invalid
            // UTF-8 replaced), escaped by the writer like every other value, rather than failing the whole detail view.
            var text = System.Text.Encoding.UTF8.GetString(payload.Span[..Math.Min(payload.Length, MaxInvalidPayloadShown)]);
            return JsonSerializer.SerializeToElement($"(not valid JSON: {ex.Message}) {text}", DashboardJsonContext.Default.String);
        }
    }

    /// <summary>How much of a payload that is not JSON the detail view shows.</summary>
    private const int MaxInvalidPayloadShown = 4096;
}

internal sealed record HistoryDto(string Type, DateTimeOffset Timestamp, int Attempt, string? Error, double? DurationSeconds, string? Message)
{
    public static HistoryDto From(HistoryEvent e) => new(e.Type.ToWireName(), e.Timestamp, e.Attempt, e.Error, e.Duration?.TotalSeconds, e.Message);
}

internal sealed record CommandDetailDto(CommandDto Command, IReadOnlyList<HistoryDto> History);

internal sealed record CommandPageDto(IReadOnlyList<CommandDto> Items, string? NextCursor, bool SearchWindowEnded);

internal sealed record WorkflowNodeDto(int Depth, CommandDto Command);

internal sealed record WorkflowDto(string CorrelationId, int Count, bool Truncated, IReadOnlyDictionary<string, long> Counts, IReadOnlyList<WorkflowNodeDto> Nodes);

internal sealed record LimitDto(int Limit, int Current, long Waiting);

internal sealed record ThroughputPointDto(DateTimeOffset At, double Seconds, long Completed, long Failed);

internal sealed record ThroughputDto(
    double SampleIntervalSeconds,
    double WindowSeconds,
    double? CompletedPerMinute,
    double? FailedPerMinute,
    double? CompletedPerMinute5,
    double? FailedPerMinute5,
    IReadOnlyList<ThroughputPointDto> Points);

internal sealed record StatsDto(
    IReadOnlyDictionary<string, long> Counts,
    long Total,
    long QueueDepth,
    double? OldestReadyAgeSeconds,
    long Running,
    int HeldHere,
    int Workers,
    int Handlers,
    bool IsRunning,
    LimitDto? GlobalLimit,
    IReadOnlyDictionary<string, LimitDto> Limits,
    ThroughputDto Throughput,
    DateTimeOffset Timestamp);

internal sealed record ConfigDto(string Title, bool ReadOnly, int RefreshIntervalMilliseconds, IReadOnlyList<string> Statuses, string ActionHeader);

internal sealed record ErrorDto(int Status, string Error);

internal sealed record IdsRequest
{
    public IReadOnlyList<string>? Ids { get; init; }

    public string? Reason { get; init; }
}

internal sealed record ReasonRequest
{
    public string? Reason { get; init; }
}

internal sealed record TagRequest
{
    public string? Tag { get; init; }
}

internal sealed record PurgeRequestDto
{
    public double? OlderThanSeconds { get; init; }
}

internal sealed record ActionResultDto(Guid Id, bool Ok, string? Status, string? Error);

internal sealed record BulkResultDto(int Succeeded, int Failed, IReadOnlyList<ActionResultDto> Results);

internal sealed record CountDto(int Count);

internal sealed record HealthDto
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("started")] public bool Started { get; init; }
    [JsonPropertyName("stopping")] public bool Stopping { get; init; }
    [JsonPropertyName("storage_ok")] public bool StorageOk { get; init; }
    [JsonPropertyName("worker_count")] public int WorkerCount { get; init; }

    [JsonPropertyName("queue_depth"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? QueueDepth { get; init; }

    [JsonPropertyName("oldest_ready_age_seconds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OldestReadyAgeSeconds { get; init; }

    [JsonPropertyName("timestamp")] public required string Timestamp { get; init; }

    [JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = false)]
[JsonSerializable(typeof(CommandDto))]
[JsonSerializable(typeof(CommandDetailDto))]
[JsonSerializable(typeof(CommandPageDto))]
[JsonSerializable(typeof(WorkflowDto))]
[JsonSerializable(typeof(StatsDto))]
[JsonSerializable(typeof(ConfigDto))]
[JsonSerializable(typeof(ErrorDto))]
[JsonSerializable(typeof(IdsRequest))]
[JsonSerializable(typeof(ReasonRequest))]
[JsonSerializable(typeof(TagRequest))]
[JsonSerializable(typeof(PurgeRequestDto))]
[JsonSerializable(typeof(ActionResultDto))]
[JsonSerializable(typeof(BulkResultDto))]
[JsonSerializable(typeof(CountDto))]
[JsonSerializable(typeof(HealthDto))]
[JsonSerializable(typeof(IReadOnlyList<HistoryDto>))]
[JsonSerializable(typeof(string))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
