using System.Text.Json;
using System.Text.Json.Serialization;

using Durex.Dashboard;

namespace Durex.Cli;

// The --json shapes. Commands and history are the dashboard API's own (CommandDto, HistoryDto: docs/dashboard.md), so a
// script reads both alike. Serialized only through the source-generated CliJsonContext (trim- and AOT-safe).

internal sealed record ListJson(IReadOnlyList<CommandDto> Items, string? NextCursor);

internal sealed class DetailJson
{
    public required CommandDto Command { get; init; }

    /// <summary>Present with <c>--history</c> only.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<HistoryDto>? History { get; init; }
}

internal sealed record StatsJson(
    IReadOnlyDictionary<string, long> Counts,
    long Total,
    long QueueDepth,
    double? OldestReadyAgeSeconds,
    DateTimeOffset Timestamp);

internal sealed record ActionJson(string Action, CommandDto Command);

internal sealed record CountJson(string Action, int Count);

internal sealed record MigrateJson(string Store, int PreviousVersion, int SchemaVersion);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ListJson))]
[JsonSerializable(typeof(DetailJson))]
[JsonSerializable(typeof(StatsJson))]
[JsonSerializable(typeof(ActionJson))]
[JsonSerializable(typeof(CountJson))]
[JsonSerializable(typeof(MigrateJson))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
