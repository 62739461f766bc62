using System.Diagnostics;
using System.Globalization;
using System.Text;
using Prometheus;

namespace Durex.Prometheus.Tests;

/// <summary>A scrape in the text exposition format, with lookups of exact series values.</summary>
internal sealed class Exposition
{
    private readonly Dictionary<string, double> _series = new(StringComparer.Ordinal);

    public Exposition(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            _series.Add(line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }
    }

    public string Text { get; }

    public IReadOnlyCollection<string> Series => _series.Keys;

    /// <summary>Collects <paramref name="registry"/> as a Prometheus server would (the before-collect callbacks run).</summary>
    public static async Task<Exposition> ScrapeAsync(CollectorRegistry registry)
    {
        using var buffer = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(buffer);
        return new Exposition(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>The value of one series, written as it appears in the exposition: <c>name{label="value",…}</c>.</summary>
    public double this[string series] =>
        _series.TryGetValue(series, out var value)
            ? value
            : throw new Xunit.Sdk.XunitException($"No series {series} in the scrape:\n{Text}");

    public bool Has(string series) => _series.ContainsKey(series);

    /// <summary>How many <c># TYPE</c> lines declare <paramref name="family"/> (1 for a well-formed scrape that has it).</summary>
    public int TypeLines(string family) =>
        Text.Split('\n').Count(l => l.StartsWith($"# TYPE {family} ", StringComparison.Ordinal));
}

/// <summary>
/// Runs the real <c>promtool check metrics</c> (path from <c>DUREX_PROMTOOL</c>, else <c>promtool</c> on PATH): the
/// test skips when it is missing, except under CI (<c>CI=true</c>) where it fails.
/// </summary>
internal static class Promtool
{
    private static readonly Lazy<string?> Path = new(Locate);

    /// <summary>Skips (locally) or fails (CI) the test when promtool is not available (in a <c>[SkippableFact]</c>).</summary>
    public static void Require()
    {
        if (Path.Value is not null)
        {
            return;
        }

        var configured = Environment.GetEnvironmentVariable("DUREX_PROMTOOL");
        var reason = (string.IsNullOrEmpty(configured) ? "promtool was not found on PATH" : $"DUREX_PROMTOOL={configured} does not exist") +
            " (set DUREX_PROMTOOL to its path, put it on PATH, or run eng/test.sh, which installs it with apt-get install prometheus)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(reason + ": the CI run requires it.");
        }

        Skip.If(true, reason + ".");
    }

    /// <summary>
    /// Asserts that promtool parses the exposition (skips or fails through <see cref="Require"/> without promtool, so call
    /// it after the test's other assertions) and finds no lint problem (in the families of
    /// <paramref name="lintScope"/> when given; problems of other families are then ignored).
    /// </summary>
    public static async Task AssertValidAsync(string exposition, IReadOnlyCollection<string>? lintScope = null)
    {
        Require();
        var start = new ProcessStartInfo(Path.Value!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var output = (await stdout + await stderr).Trim();
        const int LintProblems = 3; // exit code 1 is a parse error
        if (lintScope is not null && process.ExitCode == LintProblems)
        {
            var ours = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => lintScope.Contains(line.Split(' ')[0])).ToArray();
            Assert.True(ours.Length == 0, $"promtool check metrics reported:\n{string.Join('\n', ours)}");
            return;
        }

        Assert.True(process.ExitCode == 0, $"promtool check metrics exited with {process.ExitCode}:\n{output}\n--- exposition ---\n{exposition}");
        Assert.True(output.Length == 0, $"promtool check metrics reported:\n{output}");
    }

    private static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable("DUREX_PROMTOOL");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(directory, "promtool");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
