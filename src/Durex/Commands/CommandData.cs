using System.Buffers;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Durex;

/// <summary>
/// The payload of a command: a JSON document, normally an object whose members are read and set by key.
/// </summary>
/// <remarks>
/// Numbers keep their JSON form, so an <see cref="int"/> written with <see cref="Set(string, int)"/> reads back as an
/// <see cref="int"/> after any store round trip (the Go library turned them into floats). The document is kept as
/// UTF-8 bytes until a member is read or written, so commands whose payload is never touched never parse it.
/// Typed payloads use <see cref="From{T}(T, JsonTypeInfo{T})"/> and <see cref="Get{T}(JsonTypeInfo{T})"/> with
/// source-generated metadata: there is no reflection serialization anywhere.
/// </remarks>
public sealed class CommandData : IEnumerable<KeyValuePair<string, JsonNode?>>
{
    private ReadOnlyMemory<byte> _utf8;
    private JsonNode? _node;
    private bool _dirty;
    private readonly bool _readOnly;

    /// <summary>Creates an empty, writable payload (a JSON object with no members).</summary>
    public CommandData()
    {
    }

    private CommandData(ReadOnlyMemory<byte> utf8, bool readOnly)
    {
        _utf8 = utf8;
        _readOnly = readOnly;
    }

    /// <summary>Wraps serialized UTF-8 JSON. An empty buffer means an empty object.</summary>
    /// <exception cref="ArgumentException">The bytes are not a single valid JSON value.</exception>
    public static CommandData FromJson(ReadOnlyMemory<byte> utf8Json)
    {
        Validate(utf8Json.Span);
        return new CommandData(utf8Json, readOnly: false);
    }

    /// <summary>Parses a JSON text. An empty string means an empty object.</summary>
    /// <exception cref="ArgumentException">The text is not a single valid JSON value.</exception>
    public static CommandData FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return FromJson(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Serializes a typed payload with source-generated metadata.</summary>
    public static CommandData From<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new CommandData(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), readOnly: false);
    }

    /// <summary>A read-only view over stored bytes, trusted to be valid JSON (used for persisted commands).</summary>
    internal static CommandData ReadOnlyView(ReadOnlyMemory<byte> utf8Json) => new(utf8Json, readOnly: true);

    /// <summary>A writable copy over stored bytes, trusted to be valid JSON.</summary>
    internal static CommandData WritableCopy(ReadOnlyMemory<byte> utf8Json) => new(utf8Json, readOnly: false);

    /// <summary>True when this payload belongs to a persisted snapshot and cannot be changed.</summary>
    public bool IsReadOnly => _readOnly;

    /// <summary>True when the payload was changed since it was created or loaded.</summary>
    public bool IsModified => _dirty;

    /// <summary>Number of members of the JSON object (0 for an empty payload).</summary>
    public int Count => AsObjectOrNull()?.Count ?? 0;

    /// <summary>Gets or sets a member. Setting <see langword="null"/> stores a JSON null; use <see cref="Remove"/> to delete.</summary>
    /// <remarks>Enables collection initializers: <c>Data = { ["to"] = "a@b.c", ["count"] = 3 }</c>.</remarks>
    public JsonNode? this[string key]
    {
        get => TryGetValue(key, out var value) ? value : null;
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            var obj = MutableObject();
            obj[key] = value;
            _dirty = true;
        }
    }

    /// <summary>True when the payload is a JSON object that has the member.</summary>
    public bool ContainsKey(string key) => AsObjectOrNull()?.ContainsKey(key) ?? false;

    /// <summary>Reads a member without copying it.</summary>
    public bool TryGetValue(string key, out JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        value = null;
        var obj = AsObjectOrNull();
        return obj is not null && obj.TryGetPropertyValue(key, out value);
    }

    /// <summary>Removes a member; returns false when it was not there.</summary>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var obj = MutableObject();
        var removed = obj.Remove(key);
        _dirty |= removed;
        return removed;
    }

    /// <summary>Sets a string member.</summary>
    public CommandData Set(string key, string? value) => SetNode(key, value is null ? null : JsonValue.Create(value));

    /// <summary>Sets an integer member; it reads back as an integer, never as a float.</summary>
    public CommandData Set(string key, int value) => SetNode(key, JsonValue.Create(value));

    /// <summary>Sets a 64-bit integer member.</summary>
    public CommandData Set(string key, long value) => SetNode(key, JsonValue.Create(value));

    /// <summary>Sets a floating-point member.</summary>
    public CommandData Set(string key, double value) => SetNode(key, JsonValue.Create(value));

    /// <summary>Sets a decimal member.</summary>
    public CommandData Set(string key, decimal value) => SetNode(key, JsonValue.Create(value));

    /// <summary>Sets a Boolean member.</summary>
    public CommandData Set(string key, bool value) => SetNode(key, JsonValue.Create(value));

    /// <summary>Sets a <see cref="Guid"/> member (stored as a string).</summary>
    public CommandData Set(string key, Guid value) => SetNode(key, JsonValue.Create(value));

    /// <summary>Sets a timestamp member (stored as an ISO 8601 string).</summary>
    public CommandData Set(string key, DateTimeOffset value) => SetNode(key, JsonValue.Create(value));

    /// <summary>Sets a member from a JSON node (which is copied if it already has a parent).</summary>
    public CommandData Set(string key, JsonNode? value) => SetNode(key, value?.Parent is null ? value : value.DeepClone());

    /// <summary>Sets a member from a typed value, serialized with source-generated metadata.</summary>
    public CommandData Set<T>(string key, T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return SetNode(key, JsonSerializer.SerializeToNode(value, typeInfo));
    }

    /// <summary>Copies every member of <paramref name="other"/> over this payload (later values win).</summary>
    public CommandData Merge(CommandData? other)
    {
        if (other is null || other.Count == 0)
        {
            return this;
        }

        var target = MutableObject();
        foreach (var (key, value) in other)
        {
            target[key] = value?.DeepClone();
        }

        _dirty = true;
        return this;
    }

    /// <summary>Reads a string member; <see langword="null"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not a string.</exception>
    public string? GetString(string key) => Read(key, static (JsonElement e, out string? v) =>
    {
        v = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        return e.ValueKind == JsonValueKind.String;
    }, null, "a string");

    /// <summary>Reads an integer member; <paramref name="defaultValue"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not an integer that fits in 32 bits.</exception>
    public int GetInt32(string key, int defaultValue = 0) => Read(key, static (JsonElement e, out int v) =>
    {
        v = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out v);
    }, defaultValue, "a 32-bit integer");

    /// <summary>Reads a 64-bit integer member; <paramref name="defaultValue"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not an integer that fits in 64 bits.</exception>
    public long GetInt64(string key, long defaultValue = 0) => Read(key, static (JsonElement e, out long v) =>
    {
        v = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out v);
    }, defaultValue, "a 64-bit integer");

    /// <summary>Reads a number member as a double; <paramref name="defaultValue"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not a number.</exception>
    public double GetDouble(string key, double defaultValue = 0) => Read(key, static (JsonElement e, out double v) =>
    {
        v = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out v);
    }, defaultValue, "a number");

    /// <summary>Reads a number member as a decimal; <paramref name="defaultValue"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not a number that fits a decimal.</exception>
    public decimal GetDecimal(string key, decimal defaultValue = 0) => Read(key, static (JsonElement e, out decimal v) =>
    {
        v = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out v);
    }, defaultValue, "a decimal number");

    /// <summary>Reads a Boolean member; <paramref name="defaultValue"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not true or false.</exception>
    public bool GetBoolean(string key, bool defaultValue = false) => Read(key, static (JsonElement e, out bool v) =>
    {
        v = e.ValueKind == JsonValueKind.True;
        return e.ValueKind is JsonValueKind.True or JsonValueKind.False;
    }, defaultValue, "true or false");

    /// <summary>Reads a <see cref="Guid"/> member; <see langword="null"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not a GUID string.</exception>
    public Guid? GetGuid(string key) => Read<Guid?>(key, static (JsonElement e, out Guid? v) =>
    {
        v = null;
        if (e.ValueKind == JsonValueKind.String && e.TryGetGuid(out var g))
        {
            v = g;
            return true;
        }

        return false;
    }, null, "a GUID string");

    /// <summary>Reads a timestamp member; <see langword="null"/> when missing or JSON null.</summary>
    /// <exception cref="FormatException">The member exists but is not an ISO 8601 timestamp.</exception>
    public DateTimeOffset? GetDateTimeOffset(string key) => Read<DateTimeOffset?>(key, static (JsonElement e, out DateTimeOffset? v) =>
    {
        v = null;
        if (e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var d))
        {
            v = d;
            return true;
        }

        return false;
    }, null, "an ISO 8601 timestamp");

    /// <summary>Reads a member as a typed value with source-generated metadata; default when missing.</summary>
    /// <exception cref="FormatException">The member cannot be read as <typeparamref name="T"/>.</exception>
    public T? Get<T>(string key, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (!TryGetValue(key, out var node) || node is null)
        {
            return default;
        }

        try
        {
            return node.Deserialize(typeInfo);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Payload member '{key}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Reads the whole payload as a typed value with source-generated metadata.</summary>
    /// <exception cref="FormatException">The payload cannot be read as <typeparamref name="T"/>.</exception>
    public T? Get<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        try
        {
            if (_node is null)
            {
                var bytes = _utf8.IsEmpty ? "{}"u8.ToArray() : _utf8;
                return JsonSerializer.Deserialize(bytes.Span, typeInfo);
            }

            return _node.Deserialize(typeInfo);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The payload cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>The payload as UTF-8 JSON (an empty buffer for an empty payload that was never written).</summary>
    public ReadOnlyMemory<byte> ToUtf8Json()
    {
        if (_node is null)
        {
            return _utf8;
        }

        if (_node is JsonObject { Count: 0 })
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            _node.WriteTo(writer);
        }

        return buffer.WrittenMemory.ToArray();
    }

    /// <summary>The payload as JSON text (<c>{}</c> when empty).</summary>
    public override string ToString()
    {
        var utf8 = ToUtf8Json();
        return utf8.IsEmpty ? "{}" : Encoding.UTF8.GetString(utf8.Span);
    }

    /// <summary>A writable deep copy.</summary>
    public CommandData Clone() => new(ToUtf8Json(), readOnly: false);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, JsonNode?>> GetEnumerator()
    {
        var obj = AsObjectOrNull();
        return obj is null ? Enumerable.Empty<KeyValuePair<string, JsonNode?>>().GetEnumerator() : obj.GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enables <c>Data = { { "key", value } }</c> initializers.</summary>
    public void Add(string key, JsonNode? value) => this[key] = value;

    private CommandData SetNode(string key, JsonNode? value)
    {
        this[key] = value;
        return this;
    }

    private delegate bool ElementReader<T>(JsonElement element, out T value);

    private T Read<T>(string key, ElementReader<T> reader, T defaultValue, string expected)
    {
        if (!TryGetValue(key, out var node) || node is null)
        {
            return defaultValue;
        }

        // Values parsed from stored JSON wrap a JsonElement already; values set in code are converted once.
        JsonElement element = default;
        if (node is JsonValue jsonValue && !jsonValue.TryGetValue(out element))
        {
            element = JsonSerializer.SerializeToElement(node, JsonNodeTypeInfo);
        }
        if (element.ValueKind == JsonValueKind.Null)
        {
            return defaultValue;
        }

        if (element.ValueKind != JsonValueKind.Undefined && reader(element, out var value))
        {
            return value;
        }

        throw new FormatException(string.Create(CultureInfo.InvariantCulture,
            $"Payload member '{key}' is {node.ToJsonString()}, not {expected}."));
    }

    private static JsonTypeInfo<JsonNode> JsonNodeTypeInfo => Internal.DurexJsonContext.Default.JsonNode;

    private JsonObject? AsObjectOrNull()
    {
        var node = Parse();
        return node as JsonObject;
    }

    private JsonNode? Parse()
    {
        if (_node is null)
        {
            _node = _utf8.IsEmpty ? new JsonObject() : JsonNode.Parse(_utf8.Span);
        }

        return _node;
    }

    private JsonObject MutableObject()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException(
                "This payload belongs to a stored command snapshot and is read-only. Inside a handler, change CommandContext.Data instead.");
        }

        return Parse() as JsonObject ?? throw new InvalidOperationException(
            $"The payload is a JSON {Parse()?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}, not an object, so it has no members to set.");
    }

    private static void Validate(ReadOnlySpan<byte> utf8)
    {
        if (!IsValidJson(utf8, out var problem, out var error))
        {
            throw new ArgumentException(problem, nameof(utf8), error);
        }
    }

    /// <summary>
    /// True when <paramref name="utf8"/> is empty (an empty object) or one JSON value, with only whitespace after it.
    /// Otherwise <paramref name="problem"/> says what is wrong (for payloads read back from a store, which are trusted
    /// and not validated on every read).
    /// </summary>
    internal static bool IsValidJson(ReadOnlySpan<byte> utf8, [NotNullWhen(false)] out string? problem) =>
        IsValidJson(utf8, out problem, out _);

    private static bool IsValidJson(ReadOnlySpan<byte> utf8, [NotNullWhen(false)] out string? problem, out JsonException? error)
    {
        problem = null;
        error = null;
        if (utf8.IsEmpty)
        {
            return true;
        }

        var reader = new Utf8JsonReader(utf8);
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out var doc))
            {
                problem = "The payload is not valid JSON.";
                return false;
            }

            doc.Dispose();
            if (reader.BytesConsumed != utf8.Length && utf8[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).Length != 0)
            {
                problem = "The payload has trailing data after the JSON value.";
                return false;
            }

            return true;
        }
        catch (JsonException ex)
        {
            problem = $"The payload is not valid JSON: {ex.Message}";
            error = ex;
            return false;
        }
    }
}
