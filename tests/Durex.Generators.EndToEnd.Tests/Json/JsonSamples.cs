using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

// Every sample type gets Durex's generated metadata (through the assembly attribute) and System.Text.Json's own (through
// ReferenceJsonContext), so the tests can compare the two byte for byte.
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Primitives))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Moments))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Nullables))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Order))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Settings))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.InitDefaults))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.MutablePoint))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Coordinate))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.ChosenConstructor))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.DerivedShape))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.TreeNode))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Page<Durex.Generators.EndToEnd.Tests.Json.Line>))]
[assembly: Durex.DurexJsonType(typeof(System.Collections.Generic.List<Durex.Generators.EndToEnd.Tests.Json.Line>))]
[assembly: Durex.DurexJsonType(typeof(int[]))]
[assembly: Durex.DurexJsonType(typeof(string))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.WithDefaults))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Extras))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.DerivedIgnoring))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.RequiredViaConstructor))]
[assembly: Durex.DurexJsonType(typeof(Durex.Generators.EndToEnd.Tests.Json.Money))]

namespace Durex.Generators.EndToEnd.Tests.Json;

public enum Priority
{
    Low,
    Normal,
    High = 10,
}

[Flags]
public enum Access : byte
{
    None = 0,
    Read = 1,
    Write = 2,
}

public sealed record Primitives(
    bool Flag,
    byte Byte,
    sbyte SByte,
    short Short,
    ushort UShort,
    int Int,
    uint UInt,
    long Long,
    ulong ULong,
    float Single,
    double Double,
    decimal Decimal,
    char Char,
    string Text,
    string? MaybeText);

public sealed record Moments(
    DateTime At,
    DateTimeOffset Offset,
    Guid Id,
    TimeSpan Duration,
    DateOnly Day,
    TimeOnly Time,
    Priority Priority,
    Access Access);

public sealed record Nullables(int? Count, Priority? Priority, DateTime? At, Guid? Id, Coordinate? Where, Line? Line);

public sealed record Line(string Sku, int Quantity, decimal Price);

public sealed record Address(string Street, string City);

// Collections compare by reference in records, so the tests compare orders through their JSON and by hand.
public sealed record Order(
    Guid Id,
    string Customer,
    List<Line> Lines,
    Line[] Extra,
    Dictionary<string, decimal> Totals,
    IReadOnlyList<string> Tags,
    IList<int> Codes,
    IEnumerable<Line> Returns,
    IReadOnlyDictionary<string, Line> ByName,
    IDictionary<string, int?> Counts,
    Address? Shipping,
    List<List<int>> Grid,
    int[]? NoNumbers);

public sealed class Settings
{
    [JsonPropertyName("display_name")]
    public string? Name { get; set; }

    [JsonIgnore]
    public string Secret { get; set; } = "secret";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Optional { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Retries { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Always { get; set; }

    [JsonPropertyOrder(-1)]
    public int First { get; set; }

    [JsonPropertyOrder(5)]
    public int Last { get; set; }

    public List<int> Numbers { get; set; } = [];

    public int Computed => First * 2;

    public required string Must { get; init; }

    [JsonRequired]
    public int Needed { get; set; }

    public Settings? Child { get; set; }

    public Priority Level { get; set; } = Priority.Normal;

    public string? Field;
}

public sealed class InitDefaults
{
    public int Size { get; init; } = 5;

    public string Label { get; init; } = "default";

    public List<string> Items { get; init; } = ["one"];
}

public struct MutablePoint
{
    public int X { get; set; }

    public int Y { get; set; }
}

public readonly record struct Coordinate(double Latitude, double Longitude);

public sealed class ChosenConstructor
{
    public ChosenConstructor()
    {
        Name = "parameterless";
    }

    [JsonConstructor]
    public ChosenConstructor(int id, string name)
    {
        Id = id;
        Name = name;
    }

    public int Id { get; }

    public string Name { get; }

    public string? Note { get; set; }
}

public class BaseShape
{
    public int Id { get; set; }

    public virtual string Kind { get; set; } = "base";

    public string? Hidden { get; set; }
}

public sealed class DerivedShape : BaseShape
{
    public double Area { get; set; }

    public override string Kind { get; set; } = "derived";

    public new int Hidden { get; set; }
}

public sealed record TreeNode(string Name, List<TreeNode> Children, TreeNode? Parent, Leaf? Leaf);

// Two types that reach each other: the graph builder must not loop.
public sealed record Leaf(string Label, TreeNode? Owner);

public sealed record Page<T>(List<T> Items, int Total);

public sealed record WithDefaults(
    string Name,
    int Retries = 3,
    Priority Level = Priority.High,
    string? Note = null,
    double Ratio = 0.5,
    decimal Amount = -1.25m,
    char Mark = 'x',
    long Big = long.MinValue,
    Access Access = Access.Read | Access.Write,
    int? Maybe = 7,
    string Quoted = "say \"hi\"\n");

public sealed class Extras
{
    public ICollection<int> Collection { get; set; } = [];

    public IReadOnlyCollection<string> ReadOnlyCollection { get; set; } = [];

    public HashSet<string> Set { get; set; } = [];

    public ISet<int> SetInterface { get; set; } = new HashSet<int>();

    public Dictionary<int, string> ByNumber { get; set; } = [];

    public Dictionary<Guid, Line> ByGuid { get; set; } = [];

    public Dictionary<Priority, long> ByPriority { get; set; } = [];

    public byte[]? Bytes { get; set; }

    public Uri? Link { get; set; }

    public Version? Version { get; set; }

    public Half Half { get; set; }

    public Int128 Huge { get; set; }

    public UInt128 HugeUnsigned { get; set; }

    public JsonElement Element { get; set; }

    public int @class { get; set; }

    [JsonPropertyName("naïve \"quoted\" 名前 <&>")]
    public string? Odd { get; set; }

    [JsonInclude]
    public int IncludedField;

    public int NotIncludedField;
}

public class BaseWithSecret
{
    public virtual string? Secret { get; set; }

    public string? Visible { get; set; }
}

public sealed class DerivedIgnoring : BaseWithSecret
{
    [JsonIgnore]
    public override string? Secret { get; set; }
}

public sealed class RequiredViaConstructor
{
    [SetsRequiredMembers]
    public RequiredViaConstructor()
    {
        Name = "from constructor";
    }

    public required string Name { get; set; }

    public required int Count { get; init; }
}

public readonly struct Money
{
    [JsonConstructor]
    public Money(decimal amount, string currency)
    {
        Amount = amount;
        Currency = currency;
    }

    public decimal Amount { get; }

    public string Currency { get; }
}

[JsonSerializable(typeof(WithDefaults))]
[JsonSerializable(typeof(Extras))]
[JsonSerializable(typeof(DerivedIgnoring))]
[JsonSerializable(typeof(RequiredViaConstructor))]
[JsonSerializable(typeof(Money))]
[JsonSerializable(typeof(Primitives))]
[JsonSerializable(typeof(Moments))]
[JsonSerializable(typeof(Nullables))]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(Settings))]
[JsonSerializable(typeof(InitDefaults))]
[JsonSerializable(typeof(MutablePoint))]
[JsonSerializable(typeof(Coordinate))]
[JsonSerializable(typeof(ChosenConstructor))]
[JsonSerializable(typeof(DerivedShape))]
[JsonSerializable(typeof(TreeNode))]
[JsonSerializable(typeof(Page<Line>))]
[JsonSerializable(typeof(List<Line>))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(string))]
internal sealed partial class ReferenceJsonContext : JsonSerializerContext;
