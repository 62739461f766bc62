using System.Text.RegularExpressions;

namespace Durex.Samples.Tests;

/// <summary>
/// samples/Workflow: of its three orders one completes, one is compensated after its payment fails (stock released) and
/// one after its shipment fails (refund, then stock released: the reverse of the steps), on SQLite and on PostgreSQL.
/// </summary>
public sealed partial class WorkflowSampleTests
{
    [Fact]
    public async Task Runs_the_orders_on_SQLite()
    {
        using var directory = new TempDirectory();
        var output = await RunAsync(directory.Path);
        Assert.Contains($"store: {Path.Combine(directory.Path, "durex-workflow.db")}", output);
        AssertOutcomes(output);
        Assert.Contains("durex-workflow.db", directory.FileNames());
    }

    [SkippableFact]
    public async Task Runs_the_orders_on_PostgreSQL()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        using var directory = new TempDirectory();
        var output = await RunAsync(directory.Path, "--postgres", database.ConnectionString);
        Assert.Matches(@"store: PostgreSQL \S+/durex_samples_[0-9a-f]{16}\n", output);
        AssertOutcomes(output);
        Assert.Empty(directory.FileNames()); // no SQLite file on the side
    }

    private static async Task<string> RunAsync(string directory, params string[] arguments)
    {
        await using var sample = SampleProcess.Start("Workflow", directory, arguments);
        var exitCode = await sample.WaitForExitAsync();
        Assert.True(exitCode == 0, $"the sample exited {exitCode}:\n{sample.Output}");
        return sample.Output;
    }

    private static void AssertOutcomes(string output)
    {
        Assert.Equal(
            ["step reserveStock COMPLETED", "step charge COMPLETED", "step ship COMPLETED"],
            Order(output, "A-1001", "Completed"));
        Assert.Equal(
            ["step reserveStock COMPLETED", "step charge FAILED card 4000 0000 0000 0002 declined", "compensation releaseStock COMPLETED"],
            Order(output, "B-1002", "Compensated"));
        // The shipment failed: the compensations of the two completed steps ran newest first.
        Assert.Equal(
            ["step reserveStock COMPLETED", "step charge COMPLETED", "step ship FAILED no carrier delivers to Atlantis",
             "compensation refund COMPLETED", "compensation releaseStock COMPLETED"],
            Order(output, "C-1003", "Compensated"));

        // The handlers' own lines, printed as they ran, agree.
        var refunded = output.IndexOf("C-1003  compensation: refunded ch_C-1003", StringComparison.Ordinal);
        var released = output.IndexOf("C-1003  compensation: released 1 × book, 2 × lamp", StringComparison.Ordinal);
        Assert.True(refunded >= 0 && released > refunded, $"C-1003's refund must come before its stock release:\n{output}");
        Assert.Contains("B-1002  compensation: released 1 × lamp", output);
        Assert.DoesNotContain("B-1002  compensation: refunded", output); // its charge never completed
        Assert.Contains("A-1001  step: shipped to France, tracking TRK-A-1001 (paid with ch_A-1001)", output);

        // What the compensations undid: only A-1001's items and money are gone.
        Assert.Contains("stock before: book=10, lamp=5, pen=20", output);
        Assert.Contains("stock after: book=8, lamp=5, pen=17", output);
        Assert.Matches(@"(?m)^charged in total: 31[.,]60$", output);
    }

    /// <summary>The steps and compensations the sample listed for an order, after checking the order's state.</summary>
    private static string[] Order(string output, string id, string expectedState)
    {
        var block = Regex.Match(output, $@"^order {id} \(\w+\): (\w+)\n((?:    .*\n)*)", RegexOptions.Multiline);
        Assert.True(block.Success, $"no summary of order {id}:\n{output}");
        Assert.True(block.Groups[1].Value == expectedState, $"order {id} ended {block.Groups[1].Value}, expected {expectedState}:\n{output}");
        return block.Groups[2].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Whitespace().Replace(line.Trim().Replace("processOrder.", "", StringComparison.Ordinal), " "))
            .ToArray();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
