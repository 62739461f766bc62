using Microsoft.Extensions.Time.Testing;

namespace Durex.Cli.Tests;

public sealed class ProgressTests
{
    [Fact]
    public void Elapsed_time_ticks_every_second_until_disposed_one_line_each_when_not_a_terminal()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter();
        var progress = Progress.Create("always", output, errorIsTerminal: false);

        using (progress.Tick("migrating", time))
        {
            time.Advance(TimeSpan.FromMilliseconds(999));
            Assert.Equal("", output.ToString());
            time.Advance(TimeSpan.FromMilliseconds(1));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("migrating… 1 s\nmigrating… 2 s\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void On_a_terminal_one_line_is_rewritten_and_cleared_at_the_end()
    {
        var output = new StringWriter();
        var progress = Progress.Create(null, output, errorIsTerminal: true);

        progress.Report("purged 1000 of at most 2000…");
        progress.Report("purged 2000…");
        progress.Clear();

        // Each line pads over the longer one before it; clearing blanks what the last one wrote.
        Assert.Equal("\rpurged 1000 of at most 2000…\rpurged 2000…                \r            \r", output.ToString());
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("auto", false)]
    [InlineData("never", true)]
    [InlineData("NEVER", false)]
    public void Auto_is_silent_off_a_terminal_and_never_is_always_silent(string? mode, bool terminal)
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter();
        var progress = Progress.Create(mode, output, terminal);

        progress.Report("purged 5…");
        using (progress.Tick("migrating", time))
        {
            time.Advance(TimeSpan.FromSeconds(3));
        }

        progress.Clear();
        Assert.False(progress.Enabled);
        Assert.Equal("", output.ToString());
    }
}
