using Durex.Tests.Shared;
using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Xml.Linq;

namespace Durex.Packaging.Tests;

/// <summary>
/// The packages of src/*, packed once for the tests of <see cref="PackagingTests"/>: <c>dotnet pack</c> of every
/// src/*/*.csproj with a version no one else uses (<c>0.1.0-test.&lt;timestamp&gt;</c>), into a folder feed under a
/// temporary root (outside the repository, so its Directory.Build.props and Directory.Packages.props never apply to the
/// projects the tests write there). The root also gets the nuget.config those projects restore with: the feed, the
/// machine's own package sources, a package folder of its own (deleted with the root, so no test version lands in the
/// user's NuGet cache) and the user's package folder as a read-only fallback (so the dependencies are not downloaded
/// again).
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private static readonly TimeSpan PackGuard = TimeSpan.FromMinutes(10); // hang guards, not timing assertions
    private static readonly TimeSpan QueryGuard = TimeSpan.FromMinutes(1);

    private DirectoryInfo? _temp;

    public string RepoRoot { get; } = ExternalProcess.RepoRoot();

    /// <summary>The temporary root: nuget.config, feed/, packages/, and the tests' own folders.</summary>
    public string Root => _temp?.FullName ?? throw new InvalidOperationException("Not initialized.");

    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The NuGet package folder of everything restored under <see cref="Root"/>.</summary>
    public string Packages => Path.Combine(Root, "packages");

    public string Version { get; } = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    /// <summary>The projects packed (full paths): src/*/*.csproj.</summary>
    public IReadOnlyList<string> Projects { get; private set; } = [];

    /// <summary>Whether src/Durex.Cli (the durex tool) exists and was packed.</summary>
    public bool HasCli => Projects.Any(p => Path.GetFileName(p) == "Durex.Cli.csproj");

    /// <summary>Whether the repository is a git work tree, so Source Link and the nuspec can name a commit.</summary>
    public bool InGit { get; private set; }

    /// <summary>
    /// The commit the repository was at during the whole pack (what Source Link and the nuspec must name), or null when
    /// HEAD moved while packing (someone committed in this work tree meanwhile) or outside git.
    /// </summary>
    public string? Commit { get; private set; }

    public (int ExitCode, string Output) Pack { get; private set; }

    public TimeSpan PackTime { get; private set; }

    public async Task InitializeAsync()
    {
        _temp = Directory.CreateTempSubdirectory("durex-packaging-");
        Directory.CreateDirectory(Feed);

        Projects = Directory.GetDirectories(Path.Combine(RepoRoot, "src"))
            .Select(d => Path.Combine(d, Path.GetFileName(d) + ".csproj"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToArray();

        // One `dotnet pack` of a solution listing the packable projects and the generator/analyzer projects they
        // reference: one restore, one build graph on both cores, instead of one process per package. The referenced
        // projects are listed too because a solution build gives a project outside it the default configuration (Debug).
        var referenced = new[] { "generators", "analyzers" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(RepoRoot, folder), "*.csproj", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal);
        var solution = Path.Combine(Root, "packages.slnx");
        await File.WriteAllTextAsync(solution,
            "<Solution>\n" +
            string.Concat(Projects.Concat(referenced).Select(p => $"  <Project Path=\"{SecurityElement.Escape(p)}\" />\n")) +
            "</Solution>\n");

        InGit = Directory.Exists(Path.Combine(RepoRoot, ".git")) || File.Exists(Path.Combine(RepoRoot, ".git"));
        var headBefore = await HeadAsync();
        var stopwatch = Stopwatch.StartNew();
        // Run from the repository root, so its global.json picks the SDK. --artifacts-path: the build goes to the temp
        // folder, never into the bin/obj the solution build and the other test projects use. --disable-build-servers: no
        // MSBuild or compiler server outlives the test (or holds its output pipes open). RunAnalyzers=false: the
        // analyzers' diagnostics on these sources are the solution build's business (warnings as errors, before the
        // tests); skipping them here saves about 40% of the pack's CPU and changes no byte of the assemblies (source
        // generators still run).
        Pack = await ExternalProcess.RunAsync("dotnet", RepoRoot, PackGuard,
            "pack", solution, "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-p:RunAnalyzers=false",
            "--artifacts-path", Path.Combine(Root, "artifacts"),
            "--disable-build-servers", "-nologo", "-tl:off");
        PackTime = stopwatch.Elapsed;

        var headAfter = await HeadAsync();
        Commit = headBefore == headAfter ? headBefore : null;

        await File.WriteAllTextAsync(Path.Combine(Root, "nuget.config"), await NuGetConfigAsync());
    }

    private async Task<string?> HeadAsync()
    {
        if (!InGit)
        {
            return null;
        }

        var head = await ExternalProcess.RunAsync("git", RepoRoot, QueryGuard, "rev-parse", "HEAD");
        return head.ExitCode == 0 ? head.Output.Trim() : throw new InvalidOperationException($"git rev-parse HEAD failed (exit {head.ExitCode}):\n{head.Output}");
    }

    public Task DisposeAsync()
    {
        try
        {
            _temp?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process killed by a hang guard can still hold a file for a moment; the OS cleans the temp folder.
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The feed first, then the package sources of the user's NuGet.Config (the machine's mirror), with this root's own
    /// package folder and the user's package folder as a fallback.
    /// </summary>
    private async Task<string> NuGetConfigAsync()
    {
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(userPackages))
        {
            var locals = await ExternalProcess.RunAsync("dotnet", Root, QueryGuard, "nuget", "locals", "global-packages", "--list");
            const string Prefix = "global-packages:";
            var line = locals.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
            if (locals.ExitCode != 0 || line is null)
            {
                throw new InvalidOperationException($"dotnet nuget locals global-packages --list failed (exit {locals.ExitCode}):\n{locals.Output}");
            }

            userPackages = line[Prefix.Length..].Trim();
        }

        var sources = new List<XElement> { new("add", new XAttribute("key", "durex-test-feed"), new XAttribute("value", Feed)) };
        var userConfig = UserNuGetConfig();
        var userSources = userConfig is null
            ? []
            : XDocument.Load(userConfig).Root?.Element("packageSources")?.Elements("add").Select(e => new XElement(e)).ToArray() ?? [];
        sources.AddRange(userSources);

        var config = new XDocument(new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", Packages))),
            // Without a user config listing sources, keep NuGet's defaults (no <clear />) and only add the feed.
            new XElement("packageSources", userSources.Length > 0 ? new XElement("clear") : null, sources),
            new XElement("fallbackPackageFolders", new XElement("clear"),
                new XElement("add", new XAttribute("key", "user-packages"), new XAttribute("value", userPackages)))));
        return config.ToString();
    }

    private static string? UserNuGetConfig()
    {
        var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet");
        return new[] { "NuGet.Config", "NuGet.config", "nuget.config" }.Select(name => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
    }
}
