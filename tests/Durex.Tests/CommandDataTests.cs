using System.Text;
using System.Text.Json.Nodes;
using Durex.Conformance;

namespace Durex.Tests;

public class CommandDataTests
{
    [Fact]
    public void Integers_round_trip_as_integers_through_json()
    {
        var data = new CommandData().Set("count", 3).Set("big", 9_007_199_254_740_993L).Set("ratio", 0.25).Set("price", 19.99m);
        var json = Encoding.UTF8.GetString(data.ToUtf8Json().Span);
        Assert.Equal("""{"count":3,"big":9007199254740993,"ratio":0.25,"price":19.99}""", json);

        var read = CommandData.FromJson(json);
        Assert.Equal(3, read.GetInt32("count"));
        Assert.Equal(9_007_199_254_740_993L, read.GetInt64("big"));
        Assert.Equal(0.25, read.GetDouble("ratio"));
        Assert.Equal(19.99m, read.GetDecimal("price"));
        Assert.Equal(3.0, read.GetDouble("count"));
    }

    [Fact]
    public void Values_set_in_code_read_back_before_serialization_too()
    {
        var data = new CommandData { ["n"] = 5, ["name"] = "Ada", ["ok"] = true };
        Assert.Equal(5, data.GetInt32("n"));
        Assert.Equal(5L, data.GetInt64("n"));
        Assert.Equal("Ada", data.GetString("name"));
        Assert.True(data.GetBoolean("ok"));
    }

    [Fact]
    public void Missing_members_and_json_null_give_defaults()
    {
        var data = CommandData.FromJson("""{"nothing":null}""");
        Assert.Null(data.GetString("missing"));
        Assert.Equal(7, data.GetInt32("missing", 7));
        Assert.Equal(0, data.GetInt32("nothing"));
        Assert.False(data.GetBoolean("nothing"));
        Assert.Null(data.GetGuid("nothing"));
        Assert.Null(data.GetDateTimeOffset("missing"));
    }

    [Fact]
    public void Wrong_types_are_a_clear_format_error()
    {
        var data = CommandData.FromJson("""{"count":"three","flag":1,"fraction":2.5,"huge":99999999999}""");
        var ex = Assert.Throws<FormatException>(() => data.GetInt32("count"));
        Assert.Contains("'count'", ex.Message);
        Assert.Contains("\"three\"", ex.Message);
        Assert.Contains("32-bit integer", ex.Message);
        Assert.Throws<FormatException>(() => data.GetBoolean("flag"));
        Assert.Throws<FormatException>(() => data.GetInt32("fraction"));
        Assert.Throws<FormatException>(() => data.GetInt32("huge"));
        Assert.Equal(99999999999L, data.GetInt64("huge"));
        Assert.Throws<FormatException>(() => data.GetString("flag"));
    }

    [Fact]
    public void Guid_and_timestamp_members_round_trip()
    {
        var id = Guid.NewGuid();
        var when = new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.FromHours(2));
        var read = CommandData.FromJson(new CommandData().Set("id", id).Set("when", when).ToString());
        Assert.Equal(id, read.GetGuid("id"));
        Assert.Equal(when, read.GetDateTimeOffset("when"));
    }

    [Fact]
    public void Typed_payloads_and_members_use_generated_metadata()
    {
        var email = new EmailData("a@b.c", "Hi", 2);
        var data = CommandData.From(email, TestJsonContext.Default.EmailData);
        Assert.Equal(email, data.Get(TestJsonContext.Default.EmailData));
        Assert.Equal("a@b.c", data.GetString("To"));

        var holder = new CommandData().Set("email", email, TestJsonContext.Default.EmailData);
        Assert.Equal(email, holder.Get("email", TestJsonContext.Default.EmailData));
        Assert.Null(holder.Get("missing", TestJsonContext.Default.EmailData));
        Assert.Throws<FormatException>(() => CommandData.FromJson("""{"To":1}""").Get(TestJsonContext.Default.EmailData));
    }

    [Fact]
    public void Read_only_views_refuse_changes_with_a_hint()
    {
        var view = CommandData.ReadOnlyView(Encoding.UTF8.GetBytes("""{"a":1}"""));
        Assert.True(view.IsReadOnly);
        var ex = Assert.Throws<InvalidOperationException>(() => view.Set("a", 2));
        Assert.Contains("CommandContext.Data", ex.Message);
        Assert.Equal(1, view.GetInt32("a"));
    }

    [Fact]
    public void Non_object_payloads_have_no_members()
    {
        var data = CommandData.FromJson("[1,2,3]");
        Assert.Equal(0, data.Count);
        Assert.Null(data.GetString("x"));
        var ex = Assert.Throws<InvalidOperationException>(() => data.Set("x", 1));
        Assert.Contains("array", ex.Message);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{} {}")]
    [InlineData("not json")]
    public void Invalid_json_is_rejected(string json)
    {
        Assert.Throws<ArgumentException>(() => CommandData.FromJson(json));
    }

    [Fact]
    public void Empty_payload_is_an_empty_object_and_serializes_to_nothing()
    {
        var data = new CommandData();
        Assert.Equal(0, data.Count);
        Assert.True(data.ToUtf8Json().IsEmpty);
        Assert.Equal("{}", data.ToString());
        Assert.False(data.IsModified);
    }

    [Fact]
    public void Merge_copies_members_and_later_values_win()
    {
        var data = new CommandData { ["a"] = 1, ["b"] = 2 };
        var other = new CommandData { ["b"] = 3, ["nested"] = new JsonObject { ["x"] = 1 } };
        data.Merge(other);
        Assert.Equal(3, data.GetInt32("b"));
        other["nested"]!["x"] = 99;
        Assert.Equal(1, data["nested"]!["x"]!.GetValue<int>());
        Assert.True(data.IsModified);
    }

    [Fact]
    public void Clone_is_independent_and_modification_is_tracked()
    {
        var original = CommandData.FromJson("""{"a":1}""");
        Assert.False(original.IsModified);
        var copy = original.Clone();
        copy.Set("a", 2);
        Assert.Equal(1, original.GetInt32("a"));
        Assert.True(copy.IsModified);
        Assert.True(original.Remove("a") && original.IsModified);
        Assert.False(original.Remove("a"));
        Assert.False(original.ContainsKey("a"));
    }
}
