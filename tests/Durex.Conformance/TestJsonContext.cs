using System.Text.Json.Serialization;

namespace Durex.Conformance;

public sealed record EmailData(string To, string Subject, int Priority);

[JsonSerializable(typeof(EmailData))]
public sealed partial class TestJsonContext : JsonSerializerContext;
