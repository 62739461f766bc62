using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Durex.Generators.EndToEnd.Tests.Json;

/// <summary>
/// The metadata Durex generates must write exactly the bytes System.Text.Json's own generated context writes, and read
/// back what it wrote (and what STJ reads) the same way.
/// </summary>
public sealed class JsonMetadataTests
{
    private const string Awkward = "quote \" backslash \\ slash / <tag> & 'apos' \n\r\t \u0001 \u007f é 日本語 🎉 \u2028";

    [Fact]
    public void Primitives_at_their_minimum_write_the_same_bytes_and_round_trip()
    {
        var value = new Primitives(false, byte.MinValue, sbyte.MinValue, short.MinValue, ushort.MinValue, int.MinValue,
            uint.MinValue, long.MinValue, ulong.MinValue, float.MinValue, double.MinValue, decimal.MinValue, '\0', "", null);

        Assert.Equal(value, RoundTrip(value));
    }

    [Fact]
    public void Primitives_at_their_maximum_with_text_needing_escapes_write_the_same_bytes_and_round_trip()
    {
        var value = new Primitives(true, byte.MaxValue, sbyte.MaxValue, short.MaxValue, ushort.MaxValue, int.MaxValue,
            uint.MaxValue, long.MaxValue, ulong.MaxValue, float.MaxValue, double.MaxValue, decimal.MaxValue, '\uffff', Awkward, "é");

        Assert.Equal(value, RoundTrip(value));
    }

    [Fact]
    public void Awkward_fractions_write_the_same_bytes_and_round_trip()
    {
        var value = new Primitives(true, 1, -1, -2, 2, -3, 3, -4, 4, float.Epsilon, 0.1 + 0.2, 0.1m, '"', "\ud83c\udf89", "<>");

        Assert.Equal(value, RoundTrip(value));
    }

    [Fact]
    public void Not_a_number_fails_the_same_way()
    {
        var value = new Primitives(true, 1, 1, 1, 1, 1, 1, 1, 1, float.NaN, double.PositiveInfinity, 1m, 'a', "a", null);

        var reference = Assert.ThrowsAny<Exception>(() => JsonSerializer.SerializeToUtf8Bytes(value, Reference<Primitives>()));
        var ours = Assert.ThrowsAny<Exception>(() => JsonSerializer.SerializeToUtf8Bytes(value, Ours<Primitives>()));
        Assert.Equal(reference.GetType(), ours.GetType());
    }

    [Fact]
    public void Dates_identifiers_durations_and_enums_write_the_same_bytes_and_round_trip()
    {
        var values = new[]
        {
            new Moments(DateTime.MinValue, DateTimeOffset.MinValue, Guid.Empty, TimeSpan.MinValue, DateOnly.MinValue, TimeOnly.MinValue, Priority.Low, Access.None),
            new Moments(DateTime.MaxValue, DateTimeOffset.MaxValue, Guid.Parse("9f3a1c2e-7b4d-4e5f-8a6b-0c1d2e3f4a5b"), TimeSpan.MaxValue, DateOnly.MaxValue, TimeOnly.MaxValue, Priority.High, Access.Read | Access.Write),
            new Moments(new DateTime(2024, 2, 29, 13, 14, 15, 123, DateTimeKind.Utc).AddTicks(4567), new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromHours(-9.5)), Guid.NewGuid(), TimeSpan.FromTicks(-1), new DateOnly(2024, 2, 29), new TimeOnly(23, 59, 59, 999), (Priority)42, (Access)255),
            new Moments(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), DateTimeOffset.UnixEpoch, Guid.NewGuid(), TimeSpan.Zero, default, default, Priority.Normal, Access.Write),
        };

        foreach (var value in values)
        {
            Assert.Equal(value, RoundTrip(value));
        }
    }

    [Fact]
    public void Nullable_values_write_the_same_bytes_and_round_trip_when_null_and_when_set()
    {
        var empty = new Nullables(null, null, null, null, null, null);
        var full = new Nullables(int.MinValue, Priority.High, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), Guid.NewGuid(), new Coordinate(-90, 180.5), new Line(Awkward, 1, 2.5m));

        Assert.Equal(empty, RoundTrip(empty));
        Assert.Equal(full, RoundTrip(full));
    }

    [Fact]
    public void Collections_and_nested_objects_write_the_same_bytes_and_round_trip()
    {
        var line = new Line("sku-1", 2, 9.99m);
        var full = new Order(
            Guid.NewGuid(),
            Awkward,
            [line, new Line("sku-2", -1, decimal.MaxValue)],
            [line],
            new Dictionary<string, decimal> { ["net"] = 1.5m, [Awkward] = -0.0001m, [""] = 0m },
            ["a", Awkward, ""],
            [1, int.MaxValue],
            [line, line],
            new Dictionary<string, Line> { ["first"] = line },
            new Dictionary<string, int?> { ["none"] = null, ["some"] = 3 },
            new Address("1 Main St", "Zürich"),
            [[1, 2], [], [3]],
            [5, 6]);
        var empty = new Order(Guid.Empty, "", [], [], [], [], [], [], new Dictionary<string, Line>(), new Dictionary<string, int?>(), null, [], null);

        foreach (var value in new[] { full, empty })
        {
            var back = RoundTrip(value);
            Assert.Equal(value.Lines, back.Lines);
            Assert.Equal(value.Extra, back.Extra);
            Assert.Equal(value.Totals, back.Totals);
            Assert.Equal(value.Tags, back.Tags);
            Assert.Equal(value.Codes, back.Codes);
            Assert.Equal(value.Returns, back.Returns);
            Assert.Equal(value.ByName, back.ByName);
            Assert.Equal(value.Counts, back.Counts);
            Assert.Equal(value.Shipping, back.Shipping);
            Assert.Equal(value.Grid, back.Grid);
            Assert.Equal(value.NoNumbers, back.NoNumbers);
        }
    }

    [Fact]
    public void Attributes_rename_ignore_order_and_require_members_like_System_Text_Json()
    {
        var value = new Settings
        {
            Name = Awkward,
            Secret = "never written",
            Optional = null,
            Retries = 0,
            Always = null,
            First = 1,
            Last = 2,
            Numbers = [1, 2, 3],
            Must = "must",
            Needed = 4,
            Child = new Settings { Must = "child", Optional = "written", Retries = 5, Level = Priority.High },
            Field = "a field is not serialized by default",
        };

        var json = Encoding.UTF8.GetString(AssertSameBytes(value));
        Assert.StartsWith("{\"First\":1,\"display_name\":", json);
        Assert.DoesNotContain("Secret", json);
        Assert.DoesNotContain("Field", json);

        var back = JsonSerializer.Deserialize(json, Ours<Settings>())!;
        Assert.Equal(value.Name, back.Name);
        Assert.Equal("secret", back.Secret);
        Assert.Equal("must", back.Must);
        Assert.Equal(4, back.Needed);
        Assert.Equal("written", back.Child!.Optional);
        Assert.Equal(5, back.Child.Retries);
        Assert.Equal(Priority.High, back.Child.Level);
        Assert.Equal([1, 2, 3], back.Numbers);
        Assert.Equal(json, Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(back, Reference<Settings>())));
    }

    [Fact]
    public void Missing_required_members_fail_the_same_way()
    {
        AssertSameDeserialization<Settings>("""{"Needed":1}""");
        AssertSameDeserialization<Settings>("""{"Must":"m"}""");
        AssertSameDeserialization<Settings>("""{"Must":"m","Needed":1}""");
        AssertSameDeserialization<RequiredViaConstructor>("{}");
        AssertSameDeserialization<RequiredViaConstructor>("""{"Name":"n","Count":3}""");
    }

    [Fact]
    public void Constructor_parameters_missing_members_and_unknown_members_read_like_System_Text_Json()
    {
        AssertSameDeserialization<Line>("""{"Sku":"a","Quantity":2,"Price":1.5}""");
        AssertSameDeserialization<Line>("""{"Price":1.5,"Unknown":{"deep":[1,{"x":null}]},"Sku":"a","Other":"ignored"}""");
        AssertSameDeserialization<Line>("""{"Sku":"only"}""");
        AssertSameDeserialization<Line>("""{"sku":"wrong case","QUANTITY":3}""");
        AssertSameDeserialization<Line>("{}");
        AssertSameDeserialization<Line>("null");
        AssertSameDeserialization<Line>("""{"Sku":1}""");
        AssertSameDeserialization<ChosenConstructor>("""{"Id":5,"Name":"n","Note":"note"}""");
        AssertSameDeserialization<ChosenConstructor>("""{"Note":"only the note"}""");
        AssertSameDeserialization<WithDefaults>("""{"Name":"n"}""");
        AssertSameDeserialization<WithDefaults>("""{"Name":"n","Retries":1,"Level":0,"Note":"x","Ratio":2,"Amount":3,"Mark":"y","Big":4,"Access":0,"Maybe":null,"Quoted":""}""");
        AssertSameDeserialization<Money>("""{"Amount":1.25,"Currency":"EUR"}""");
        AssertSameDeserialization<Money>("""{"Currency":"EUR"}""");
        AssertSameDeserialization<Coordinate>("""{"Latitude":1.5}""");
        AssertSameDeserialization<MutablePoint>("""{"Y":2,"Z":3}""");
        AssertSameDeserialization<InitDefaults>("{}");
        AssertSameDeserialization<InitDefaults>("""{"Size":1,"Items":["a","b"]}""");
        AssertSameDeserialization<Order>("""{"Id":"9f3a1c2e-7b4d-4e5f-8a6b-0c1d2e3f4a5b","Lines":[{"Sku":"a"}],"Totals":{"x":1},"Codes":[1,2],"Returns":[],"Counts":{"a":null}}""");
        AssertSameDeserialization<Extras>("""{"Set":["a","a","b"],"ByNumber":{"1":"one","-2":"minus two"},"ByPriority":{"High":1,"0":2},"Bytes":"AQID","Element":{"any":[1,"two",null]}}""");
    }

    [Fact]
    public void Init_only_members_with_initializers_are_overwritten_like_System_Text_Json()
    {
        var fromEmpty = JsonSerializer.Deserialize("{}", Ours<InitDefaults>())!;
        var reference = JsonSerializer.Deserialize("{}", Reference<InitDefaults>())!;

        Assert.Equal(reference.Size, fromEmpty.Size);
        Assert.Equal(reference.Label, fromEmpty.Label);
        Assert.Equal(reference.Items, fromEmpty.Items);
        RoundTrip(new InitDefaults { Size = 9, Label = Awkward, Items = [] });
    }

    [Fact]
    public void Structs_write_the_same_bytes_and_round_trip()
    {
        Assert.Equal(new MutablePoint { X = int.MinValue, Y = 7 }, RoundTrip(new MutablePoint { X = int.MinValue, Y = 7 }));
        Assert.Equal(new Coordinate(double.MaxValue, -0.0), RoundTrip(new Coordinate(double.MaxValue, -0.0)));
        var money = RoundTrip(new Money(-12.345m, Awkward));
        Assert.Equal(-12.345m, money.Amount);
        Assert.Equal(Awkward, money.Currency);
    }

    [Fact]
    public void The_constructor_is_chosen_like_System_Text_Json()
    {
        var back = RoundTrip(new ChosenConstructor(3, Awkward) { Note = "n" });

        Assert.Equal(3, back.Id);
        Assert.Equal(Awkward, back.Name);
        Assert.Equal("n", back.Note);
    }

    [Fact]
    public void Derived_members_come_first_and_hide_or_ignore_base_members_like_System_Text_Json()
    {
        var shape = new DerivedShape { Id = 1, Area = 2.5, Kind = "k", Hidden = 3 };
        ((BaseShape)shape).Hidden = "base value";

        var json = Encoding.UTF8.GetString(AssertSameBytes(shape));
        Assert.DoesNotContain("base value", json);

        var back = JsonSerializer.Deserialize(json, Ours<DerivedShape>())!;
        Assert.Equal((1, 2.5, "k", 3), (back.Id, back.Area, back.Kind, back.Hidden));

        var ignoring = new DerivedIgnoring { Secret = "hidden", Visible = "shown" };
        Assert.Equal("""{"Visible":"shown"}""", Encoding.UTF8.GetString(AssertSameBytes(ignoring)));
        AssertSameDeserialization<DerivedIgnoring>("""{"Secret":"s","Visible":"v"}""");
    }

    [Fact]
    public void Types_that_reach_themselves_write_the_same_bytes_and_round_trip()
    {
        var root = new TreeNode("root", [], null, null);
        var child = new TreeNode(Awkward, [new TreeNode("grandchild", [], null, new Leaf("leaf", null))], root, new Leaf("l", root));
        var tree = root with { Children = [child] };

        var back = RoundTrip(tree);
        Assert.Equal(Awkward, back.Children[0].Name);
        Assert.Equal("leaf", back.Children[0].Children[0].Leaf!.Label);
        Assert.Equal("root", back.Children[0].Parent!.Name);
    }

    [Fact]
    public void Closed_generic_types_top_level_collections_and_values_write_the_same_bytes_and_round_trip()
    {
        var page = RoundTrip(new Page<Line>([new Line("a", 1, 1m)], 10));
        Assert.Equal([new Line("a", 1, 1m)], page.Items);

        Assert.Equal([new Line("b", 2, 2m)], RoundTrip(new List<Line> { new("b", 2, 2m) }));
        Assert.Equal([int.MinValue, 0, int.MaxValue], RoundTrip(new[] { int.MinValue, 0, int.MaxValue }));
        Assert.Equal(Awkward, RoundTrip(Awkward));
        Assert.Null(RoundTrip<List<Line>?>(null));
        Assert.Null(RoundTrip<string?>(null));
    }

    [Fact]
    public void Framework_values_keyed_dictionaries_sets_and_odd_names_write_the_same_bytes_and_round_trip()
    {
        var value = new Extras
        {
            Collection = [1, 2],
            ReadOnlyCollection = [Awkward],
            Set = ["x", "y"],
            SetInterface = new HashSet<int> { 3 },
            ByNumber = new() { [int.MinValue] = "min", [0] = Awkward },
            ByGuid = new() { [Guid.Empty] = new Line("g", 1, 1m) },
            ByPriority = new() { [Priority.High] = long.MaxValue, [(Priority)7] = 1 },
            Bytes = [0, 1, 254, 255],
            Link = new Uri("https://example.com/a b?q=é#frag"),
            Version = new Version(1, 2, 3, 4),
            Half = Half.MaxValue,
            Huge = Int128.MinValue,
            HugeUnsigned = UInt128.MaxValue,
            Element = JsonDocument.Parse("""{"nested":[1,2.50,"three",null,true]}""").RootElement,
            @class = 5,
            Odd = Awkward,
            IncludedField = 6,
            NotIncludedField = 7,
        };

        var json = Encoding.UTF8.GetString(AssertSameBytes(value));
        Assert.Contains("\"IncludedField\":6", json);
        Assert.DoesNotContain("NotIncludedField", json);

        var back = JsonSerializer.Deserialize(json, Ours<Extras>())!;
        Assert.Equal(json, Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(back, Reference<Extras>())));
        Assert.Equal(value.ByNumber, back.ByNumber);
        Assert.Equal(value.Bytes, back.Bytes);
        Assert.Equal(value.Huge, back.Huge);
        Assert.Equal(6, back.IncludedField);
        Assert.Equal(0, back.NotIncludedField);
    }

    [Fact]
    public void Default_values_of_constructor_parameters_write_the_same_bytes_and_round_trip()
    {
        var value = new WithDefaults(Awkward);

        Assert.Equal(value, RoundTrip(value));
        var fromName = JsonSerializer.Deserialize("""{"Name":"n"}""", Ours<WithDefaults>())!;
        Assert.Equal(new WithDefaults("n"), fromName);
    }

    [Fact]
    public void The_metadata_class_resolves_only_the_types_it_describes()
    {
        Assert.Same(DurexJsonMetadata.Default.Get<Order>(), DurexJsonMetadata.Default.Get<Order>());
        Assert.Same(DurexJsonMetadata.Default, DurexJsonMetadata.Default.Get<Order>().OriginatingResolver);
        Assert.Null(DurexJsonMetadata.Default.GetTypeInfo(typeof(Exception)));
        Assert.Throws<InvalidOperationException>(() => DurexJsonMetadata.Default.Get<Exception>());
    }

    [Fact]
    public void Converters_registered_on_the_options_take_precedence_like_System_Text_Json()
    {
        var options = new JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter<Priority>() } };
        var metadata = new DurexJsonMetadata(options);
        var reference = new ReferenceJsonContext(new JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter<Priority>() } });
        var value = new Moments(default, default, default, default, default, default, Priority.High, Access.Read);

        var ours = JsonSerializer.Serialize(value, (JsonTypeInfo<Moments>)metadata.GetTypeInfo(typeof(Moments))!);

        Assert.Equal(JsonSerializer.Serialize(value, (JsonTypeInfo<Moments>)reference.GetTypeInfo(typeof(Moments))!), ours);
        Assert.Contains("\"Priority\":\"High\"", ours);
    }

    private static JsonTypeInfo<T> Ours<T>() => DurexJsonMetadata.Default.Get<T>();

    private static JsonTypeInfo<T> Reference<T>() => (JsonTypeInfo<T>)ReferenceJsonContext.Default.GetTypeInfo(typeof(T))!;

    /// <summary>Serializes with both metadata sets, asserts identical UTF-8 and returns it.</summary>
    private static byte[] AssertSameBytes<T>(T value)
    {
        var reference = JsonSerializer.SerializeToUtf8Bytes(value, Reference<T>());
        var ours = JsonSerializer.SerializeToUtf8Bytes(value, Ours<T>());

        Assert.Equal(Encoding.UTF8.GetString(reference), Encoding.UTF8.GetString(ours)); // a readable diff first
        Assert.Equal(reference, ours);
        return ours;
    }

    /// <summary>Asserts identical bytes, reads them back with ours, and checks what ours read writes the same bytes again.</summary>
    private static T RoundTrip<T>(T value)
    {
        var bytes = AssertSameBytes(value);
        var back = JsonSerializer.Deserialize(bytes, Ours<T>())!;

        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(back, Reference<T>())));
        return back;
    }

    /// <summary>Reads <paramref name="json"/> with both: same exception type, or values that write the same bytes.</summary>
    private static void AssertSameDeserialization<T>(string json)
    {
        Exception? referenceFailure = null, ourFailure = null;
        T? reference = default, ours = default;
        try
        {
            reference = JsonSerializer.Deserialize(json, Reference<T>());
        }
        catch (Exception e)
        {
            referenceFailure = e;
        }

        try
        {
            ours = JsonSerializer.Deserialize(json, Ours<T>());
        }
        catch (Exception e)
        {
            ourFailure = e;
        }

        Assert.Equal(referenceFailure?.GetType(), ourFailure?.GetType());
        Assert.Equal(referenceFailure?.Message, ourFailure?.Message);
        if (referenceFailure is null)
        {
            Assert.Equal(
                Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(reference!, Reference<T>())),
                Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(ours!, Reference<T>())));
        }
    }
}
