using System.Text.RegularExpressions;

namespace Durex.Samples.Tests;

/// <summary>samples/FanIn: N chunk commands fan out, one continuation sees all N results and adds them up.</summary>
public sealed class FanInSampleTests
{
    [Theory]
    [InlineData(new string[0], 8, 1_000_000)] // the defaults
    [InlineData(new[] { "--chunks", "12", "--below", "300000" }, 12, 300_000)]
    public async Task The_continuation_adds_up_every_chunk(string[] arguments, int chunks, int below)
    {
        using var directory = new TempDirectory();
        await using var sample = SampleProcess.Start("FanIn", directory.Path, arguments);
        var exitCode = await sample.WaitForExitAsync();
        var output = sample.Output;
        Assert.True(exitCode == 0, $"the sample exited {exitCode}:\n{output}");

        var expected = PrimesBelow(below);
        Assert.Contains($"split: {chunks} chunks", output);
        // Every chunk ran and printed its count; together they make the expected number.
        var counts = Regex.Matches(output, @"^chunk (\d+) \[\d+, \d+\): (\d+) primes", RegexOptions.Multiline)
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => int.Parse(m.Groups[2].Value));
        Assert.Equal(Enumerable.Range(1, chunks), counts.Keys.Order());
        Assert.Equal(expected, counts.Values.Sum());

        // The continuation saw all N results, in spawn order, and only after chunk 3's retry.
        var fanIn = output.IndexOf($"fan-in: {chunks} of {chunks} chunk results, chunks {string.Join(", ", Enumerable.Range(1, chunks))}\n", StringComparison.Ordinal);
        Assert.True(fanIn >= 0, $"the continuation did not list all {chunks} results:\n{output}");
        var failure = output.IndexOf("chunk 3: attempt 1 failed (simulated), 2 retries left", StringComparison.Ordinal);
        var retry = Regex.Match(output, @"^chunk 3 \[.*\(attempt 2\)$", RegexOptions.Multiline);
        Assert.True(failure >= 0 && retry.Success && failure < retry.Index && retry.Index < fanIn, $"chunk 3 must fail, be retried, then the fan-in run:\n{output}");
        Assert.Contains($"fan-in: {expected} primes below {below}", output);
        Assert.Matches($@"(?m)^result: {expected} primes below {below} \(continuation [0-9a-f-]{{36}}, {chunks} children awaited\)$", output);
    }

    /// <summary>The expected answer, by a sieve (the sample divides).</summary>
    private static int PrimesBelow(int limit)
    {
        var composite = new bool[limit];
        var count = 0;
        for (var n = 2; n < limit; n++)
        {
            if (composite[n])
            {
                continue;
            }

            count++;
            for (var multiple = (long)n * n; multiple < limit; multiple += n)
            {
                composite[multiple] = true;
            }
        }

        return count;
    }
}
