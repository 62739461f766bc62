using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Durex.Storage;

/// <summary>
/// String lists (tags, sequences) as JSON array text, for store implementations whose column or parameter cannot hold
/// a list natively (SQLite columns, rows inside a PostgreSQL <c>unnest</c>).
/// </summary>
public static class StoreJson
{
    /// <summary>The list as a JSON array of strings; null when it is empty (stores keep "no items" as NULL).</summary>
    public static string? WriteStringArray(IReadOnlyCollection<string> items)
    {
        if (items.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The strings of a JSON array written by <see cref="WriteStringArray"/>; empty for null.</summary>
    public static IReadOnlyList<string> ReadStringArray(string? json) => json is null ? [] : ReadStringArray(Encoding.UTF8.GetBytes(json));

    /// <summary>The strings of a JSON array written by <see cref="WriteStringArray"/>, from its UTF-8 bytes.</summary>
    public static IReadOnlyList<string> ReadStringArray(ReadOnlySpan<byte> utf8Json)
    {
        var items = new List<string>();
        var parser = new Utf8JsonReader(utf8Json);
        while (parser.Read())
        {
            if (parser.TokenType == JsonTokenType.String)
            {
                items.Add(parser.GetString()!);
            }
        }

        return items;
    }
}
