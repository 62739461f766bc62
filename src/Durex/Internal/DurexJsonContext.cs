using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Durex.Internal;

/// <summary>Source-generated metadata for the few types Durex itself serializes.</summary>
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class DurexJsonContext : JsonSerializerContext;
