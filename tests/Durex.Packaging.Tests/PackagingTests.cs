using Durex.Tests.Shared;
using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Durex.Packaging.Tests;

/// <summary>
/// What <c>dotnet pack</c> makes of src/* (packed once, <see cref="PackedFeed"/>), checked the way a user meets it: the
/// packages' metadata and contents, a console app outside the repository that references Durex and Durex.Sqlite from
/// the folder feed (the generator must write its stub, the analyzers must stop a mistake), and the durex tool installed
/// from the feed.
/// </summary>
public sealed partial class PackagingTests(PackedFeed feed, ITestOutputHelper output) : IClassFixture<PackedFeed>
{
    private static readonly TimeSpan BuildGuard = TimeSpan.FromMinutes(5); // hang guards, not timing assertions
    private static readonly TimeSpan RunGuard = TimeSpan.FromMinutes(1);

    private const string RepositoryUrl = "https://github.com/durex-dotnet/durex";

    /// <summary>The packages src/ must produce (the tool only once src/Durex.Cli exists).</summary>
    private static readonly string[] Libraries = ["Durex", "Durex.Dashboard", "Durex.PostgreSql", "Durex.Prometheus", "Durex.Sqlite"];

    private const string Tool = "Durex.Cli";

    /// <summary>What Durex carries for the compiler: the generator, the analyzers with the Cronos they parse cron with, the code fixes.</summary>
    private static readonly string[] AnalyzerAssemblies = ["Cronos.dll", "Durex.Analyzers.dll", "Durex.CodeFixes.dll", "Durex.Generators.dll"];

    /// <summary>The Portable PDB custom debug information that holds the Source Link JSON.</summary>
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact]
    public void Pack_succeeds_without_warnings_and_makes_one_package_per_project()
    {
        RequirePacked();
        output.WriteLine($"pack of {feed.Projects.Count} projects: {feed.PackTime.TotalSeconds:0.0} s");
        var warnings = feed.Pack.Output.Split('\n').Where(l => WarningLine().IsMatch(l)).Select(l => l.Trim()).Distinct().ToArray();
        Assert.True(warnings.Length == 0, $"dotnet pack printed {warnings.Length} warnings:\n{string.Join('\n', warnings)}");

        var expected = Libraries.Concat(feed.HasCli ? [Tool] : []).Order(StringComparer.Ordinal).ToArray();
        var packages = Directory.GetFiles(feed.Feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.Select(id => $"{id}.{feed.Version}.nupkg"), packages);
        var symbols = Directory.GetFiles(feed.Feed, "*.snupkg").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        foreach (var id in Libraries)
        {
            Assert.Contains($"{id}.{feed.Version}.snupkg", symbols);
        }

        foreach (var file in Directory.GetFiles(feed.Feed).Order(StringComparer.Ordinal))
        {
            output.WriteLine($"{Path.GetFileName(file)}: {new FileInfo(file).Length / 1024.0:0.0} KiB");
        }
    }

    [Fact]
    public void Every_package_has_description_license_readme_repository_and_tags()
    {
        RequirePacked();
        foreach (var path in Directory.GetFiles(feed.Feed, "*.nupkg"))
        {
            using var package = ZipFile.OpenRead(path);
            var (metadata, ns) = Nuspec(package);
            var id = Value(metadata, ns, "id");
            string Context(string what) => $"{Path.GetFileName(path)}: {what}\n{metadata}";

            Assert.True(Value(metadata, ns, "version") == feed.Version, Context("version"));
            var description = Value(metadata, ns, "description");
            Assert.True(description.Length >= 40 && description != "Package Description", Context("description"));
            Assert.True(Value(metadata, ns, "authors") == "Durex contributors", Context("authors"));
            var license = metadata.Element(ns + "license");
            Assert.True(license?.Attribute("type")?.Value == "expression" && license.Value == "MIT", Context("license"));
            Assert.True(Value(metadata, ns, "projectUrl") == RepositoryUrl, Context("projectUrl"));
            var tags = Value(metadata, ns, "tags").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(tags.Length >= 3, Context("tags"));

            var repository = metadata.Element(ns + "repository");
            Assert.True(repository?.Attribute("type")?.Value == "git" && repository.Attribute("url")?.Value == RepositoryUrl, Context("repository"));
            if (feed.InGit)
            {
                var commit = repository.Attribute("commit")?.Value ?? "";
                Assert.True(Sha().IsMatch(commit) && (feed.Commit is null || commit == feed.Commit), Context($"repository commit (HEAD is {feed.Commit ?? "moving"})"));
            }

            // The readme is in the package, is the package's own (a heading, the package's id), and links only to
            // absolute URLs: relative links and images of a file in the repository break on a package page.
            var readmeName = Value(metadata, ns, "readme");
            var readmeEntry = package.GetEntry(readmeName);
            Assert.True(readmeEntry is not null, Context($"readme {readmeName} is not in the package"));
            using var reader = new StreamReader(readmeEntry.Open(), Encoding.UTF8);
            var readme = reader.ReadToEnd();
            Assert.True(readme.StartsWith("# ", StringComparison.Ordinal) && readme.Contains(id, StringComparison.OrdinalIgnoreCase),
                $"{id}'s readme does not start with a heading or does not name {id}:\n{readme}");
            var relative = MarkdownTarget().Matches(readme).Select(m => m.Groups["target"].Value)
                .Where(t => !t.StartsWith("https://", StringComparison.Ordinal) && !t.StartsWith("http://", StringComparison.Ordinal))
                .ToArray();
            Assert.True(relative.Length == 0, $"{id}'s readme links to relative targets, broken on a package page: {string.Join(", ", relative)}");
            output.WriteLine($"{id}: {tags.Length} tags, readme {readme.Length} chars, {MarkdownTarget().Matches(readme).Count} links");
        }
    }

    [Fact]
    public void Durex_carries_the_generator_analyzers_and_code_fixes_and_the_other_packages_pass_them_on()
    {
        RequirePacked();
        using (var durex = Open("Durex"))
        {
            var entries = durex.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(AnalyzerAssemblies, entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal))
                .Select(e => e["analyzers/dotnet/cs/".Length..]).Order(StringComparer.Ordinal));
            Assert.All(entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)), e => Assert.StartsWith("analyzers/dotnet/cs/", e));
            Assert.Contains("lib/net10.0/Durex.dll", entries);
            Assert.Contains("lib/net10.0/Durex.xml", entries);

            // The compiler loads them: each must be a netstandard2.0 assembly, not a reference assembly or a stray file.
            foreach (var name in AnalyzerAssemblies)
            {
                using var stream = new MemoryStream();
                using (var entry = durex.GetEntry("analyzers/dotnet/cs/" + name)!.Open())
                {
                    entry.CopyTo(stream);
                }

                stream.Position = 0;
                using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
                var reader = pe.GetMetadataReader();
                Assert.Equal(Path.GetFileNameWithoutExtension(name), reader.GetString(reader.GetAssemblyDefinition().Name));
            }

            var (metadata, ns) = Nuspec(durex);
            Assert.DoesNotContain(Dependencies(metadata, ns), d => d.Id.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || d.Id.StartsWith("Durex.", StringComparison.Ordinal));
        }

        // A project that references only Durex.Sqlite (or another of them) gets Durex transitively: that dependency
        // must not exclude analyzers, or the generator silently goes missing.
        foreach (var id in Libraries.Where(l => l != "Durex"))
        {
            using var package = Open(id);
            var (metadata, ns) = Nuspec(package);
            var durex = Dependencies(metadata, ns).SingleOrDefault(d => d.Id == "Durex");
            Assert.True(durex.Id is not null, $"{id} does not depend on Durex:\n{metadata}");
            Assert.Equal(feed.Version, durex.Version);
            Assert.DoesNotContain("analyzers", durex.Exclude.ToLowerInvariant().Split(','));
            Assert.Contains($"lib/net10.0/{id}.dll", package.Entries.Select(e => e.FullName));
            Assert.DoesNotContain(package.Entries, e => e.FullName.StartsWith("analyzers/", StringComparison.Ordinal));
        }
    }

    [SkippableFact]
    public void The_symbols_carry_source_link_to_the_repository_at_the_packed_commit()
    {
        RequirePacked();
        Skip.IfNot(feed.InGit, $"{feed.RepoRoot} is not a git work tree: Source Link has no commit to point at.");
        foreach (var id in Libraries)
        {
            using var symbols = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.snupkg"));
            var pdb = symbols.GetEntry($"lib/net10.0/{id}.pdb");
            Assert.True(pdb is not null, $"{id}.snupkg has no lib/net10.0/{id}.pdb: {string.Join(", ", symbols.Entries.Select(e => e.FullName))}");
            using var stream = new MemoryStream();
            using (var entry = pdb.Open())
            {
                entry.CopyTo(stream);
            }

            stream.Position = 0;
            using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
            var reader = provider.GetMetadataReader();
            var sourceLink = reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation)
                .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
                .Select(c => Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
                .SingleOrDefault();
            Assert.True(sourceLink is not null, $"{id}.pdb has no Source Link");
            output.WriteLine($"{id}: {sourceLink}");

            // The repository's root, whatever its remote (CI packs a clone whose remote is a local path), maps to the
            // repository's GitHub address at the packed commit. The root is the local path, or /_/ in a build with
            // deterministic source paths (ContinuousIntegrationBuild=true).
            using var json = JsonDocument.Parse(sourceLink);
            var documents = json.RootElement.GetProperty("documents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            var root = feed.RepoRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar + "*";
            Assert.True(documents.TryGetValue(root, out var target) || documents.TryGetValue("/_/*", out target),
                $"{id}.pdb's Source Link maps neither {root} nor /_/*: {sourceLink}");
            var match = RawUrl().Match(target ?? "");
            Assert.True(match.Success && (feed.Commit is null || match.Groups["commit"].Value == feed.Commit),
                $"{id}.pdb maps {root} to {target}, not to {RepositoryUrl} at {feed.Commit ?? "a commit"}");
        }
    }

    [Fact]
    public async Task A_console_app_referencing_the_packages_builds_without_warnings_and_runs_a_generated_stub()
    {
        RequirePacked();
        var project = WriteConsumer("consumer");

        var build = await Timed("build", () => ExternalProcess.RunAsync("dotnet", project, BuildGuard,
            "build", "-c", "Release", "-warnaserror", "--disable-build-servers", "-nologo", "-tl:off"));
        Assert.True(build.ExitCode == 0, $"dotnet build of the consumer failed (exit {build.ExitCode}):\n{build.Output}");

        // Restored from the feed into the root's own package folder, at the packed version.
        Assert.True(Directory.Exists(Path.Combine(feed.Packages, "durex", feed.Version)), $"durex {feed.Version} was not restored into {feed.Packages}");
        Assert.True(Directory.Exists(Path.Combine(feed.Packages, "durex.sqlite", feed.Version)), $"durex.sqlite {feed.Version} was not restored into {feed.Packages}");

        var run = await Timed("run", () => ExternalProcess.RunAsync("dotnet", project, RunGuard,
            Path.Combine(project, "bin", "Release", "net10.0", "Consumer.dll")));
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"the consumer exited {run.ExitCode}:\n{run.Output}");
        Assert.Contains("greet ran for package-user, attempt 1", run.Output);
        Assert.Contains("command greet: Completed", run.Output);
    }

    [Fact]
    public async Task A_mistake_in_a_command_declaration_fails_the_build_with_the_analyzers_diagnostic()
    {
        RequirePacked();
        var project = WriteConsumer("mistake", ("Mistake.cs", """
            using Durex;

            public static class Mistakes
            {
                [DurexCommand("send email")] // DURX0001: a space is not allowed in a command name
                public static void Send() { }
            }
            """));

        var build = await Timed("build", () => ExternalProcess.RunAsync("dotnet", project, BuildGuard,
            "build", "-c", "Release", "-warnaserror", "--disable-build-servers", "-nologo", "-tl:off"));
        Assert.True(build.ExitCode != 0, $"the build with an invalid command name succeeded:\n{build.Output}");
        // Every error of the build (restore, MSBuild, compiler): exactly the analyzer's, in the file with the mistake.
        var errors = build.Output.Split('\n').Select(l => ErrorLine().Match(l)).Where(m => m.Success)
            .Select(m => (File: Path.GetFileName(m.Groups["origin"].Value.Trim()), Id: m.Groups["id"].Value)).Distinct().ToArray();
        Assert.True(errors is [("Mistake.cs", "DURX0001")],
            $"expected exactly DURX0001 in Mistake.cs, got [{string.Join(", ", errors)}]:\n{build.Output}");
        Assert.Contains("'send email'", build.Output);
    }

    [SkippableFact]
    public async Task The_durex_tool_installs_from_the_feed_and_prints_its_help()
    {
        RequirePacked();
        Skip.IfNot(feed.HasCli, "src/Durex.Cli/Durex.Cli.csproj does not exist yet: no durex tool package to install.");

        using (var package = Open(Tool))
        {
            var (metadata, ns) = Nuspec(package);
            Assert.Equal("DotnetTool", metadata.Element(ns + "packageTypes")?.Element(ns + "packageType")?.Attribute("name")?.Value);
            var settings = package.Entries.SingleOrDefault(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
            Assert.True(settings is not null, $"no DotnetToolSettings.xml in {Tool}: {string.Join(", ", package.Entries.Select(e => e.FullName))}");
            using var stream = settings.Open();
            var command = XDocument.Load(stream).Descendants("Command").Single();
            Assert.Equal("durex", command.Attribute("Name")?.Value);
        }

        var tools = Path.Combine(feed.Root, "tools");
        var install = await Timed("tool install", () => ExternalProcess.RunAsync("dotnet", feed.Root, BuildGuard,
            "tool", "install", Tool, "--tool-path", tools, "--add-source", feed.Feed, "--version", feed.Version));
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed (exit {install.ExitCode}):\n{install.Output}");

        var durex = Path.Combine(tools, OperatingSystem.IsWindows() ? "durex.exe" : "durex");
        var help = await Timed("durex --help", () => ExternalProcess.RunAsync(durex, feed.Root, RunGuard, "--help"));
        output.WriteLine(help.Output);
        Assert.True(help.ExitCode == 0, $"durex --help exited {help.ExitCode}:\n{help.Output}");
        Assert.Contains("Usage:", help.Output);
        Assert.Contains("durex", help.Output);

        // The installed tool is the one just packed, not another version from somewhere.
        var version = await ExternalProcess.RunAsync(durex, feed.Root, RunGuard, "--version");
        Assert.True(version.ExitCode == 0 && version.Output.Trim().StartsWith(feed.Version, StringComparison.Ordinal),
            $"durex --version (exit {version.ExitCode}) does not start with {feed.Version}:\n{version.Output}");
    }

    /// <summary>Fails the test with the pack's output when the shared pack did not succeed.</summary>
    private void RequirePacked() =>
        Assert.True(feed.Pack.ExitCode == 0, $"dotnet pack failed (exit {feed.Pack.ExitCode}):\n{feed.Pack.Output}");

    /// <summary>
    /// A console project under the temporary root (so none of the repository's Directory.* files apply; the root's
    /// nuget.config does) referencing Durex and Durex.Sqlite from the feed by version: one <c>[DurexCommand]</c>
    /// enqueued through its generated stub on SQLite, run to completion.
    /// </summary>
    private string WriteConsumer(string name, params (string File, string Text)[] extra)
    {
        var directory = Directory.CreateDirectory(Path.Combine(feed.Root, name)).FullName;
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Durex" Version="{feed.Version}" />
                <PackageReference Include="Durex.Sqlite" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            using Durex;
            using Durex.Sqlite;

            var path = Path.Combine(AppContext.BaseDirectory, "consumer.db");
            File.Delete(path);
            await using var store = new SqliteStore(path);
            await using var executor = new Executor(store).AddGeneratedCommands();
            await executor.StartAsync();

            var enqueued = await Jobs.Greet.EnqueueAsync(executor, new Greeting("package-user"));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var command = await executor.GetAsync(enqueued.Id, timeout.Token);
            while (command?.Status is not (CommandStatus.Completed or CommandStatus.Failed or CommandStatus.Cancelled))
            {
                await Task.Delay(20, timeout.Token);
                command = await executor.GetAsync(enqueued.Id, timeout.Token);
            }

            Console.WriteLine($"command {Jobs.Greet.Name}: {command.Status}");
            return command.Status == CommandStatus.Completed ? 0 : 1;

            public sealed record Greeting(string Name);

            public static class Commands
            {
                [DurexCommand("greet", Retries = 2)]
                public static void Greet(Greeting greeting, CommandContext context) =>
                    Console.WriteLine($"greet ran for {greeting.Name}, attempt {context.Attempt}");
            }
            """);
        foreach (var (file, text) in extra)
        {
            File.WriteAllText(Path.Combine(directory, file), text);
        }

        return directory;
    }

    private async Task<(int ExitCode, string Output)> Timed(string what, Func<Task<(int ExitCode, string Output)>> run)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await run();
        output.WriteLine($"{what}: {stopwatch.Elapsed.TotalSeconds:0.0} s, exit {result.ExitCode}");
        return result;
    }

    private ZipArchive Open(string id)
    {
        var path = Path.Combine(feed.Feed, $"{id}.{feed.Version}.nupkg");
        Assert.True(File.Exists(path), $"no {Path.GetFileName(path)} in the feed: {string.Join(", ", Directory.GetFiles(feed.Feed).Select(Path.GetFileName))}");
        return ZipFile.OpenRead(path);
    }

    private static (XElement Metadata, XNamespace Ns) Nuspec(ZipArchive package)
    {
        var entry = package.Entries.Single(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = entry.Open();
        var root = XDocument.Load(stream).Root!;
        var ns = root.Name.Namespace;
        return (root.Element(ns + "metadata")!, ns);
    }

    private static string Value(XElement metadata, XNamespace ns, string name) => metadata.Element(ns + name)?.Value.Trim() ?? "";

    private static IEnumerable<(string Id, string Version, string Exclude)> Dependencies(XElement metadata, XNamespace ns) =>
        metadata.Element(ns + "dependencies")?.Descendants(ns + "dependency")
            .Select(d => (d.Attribute("id")!.Value, d.Attribute("version")!.Value, d.Attribute("exclude")?.Value ?? ""))
        ?? [];

    [GeneratedRegex("^[0-9a-f]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha();

    [GeneratedRegex(@"^https://raw\.githubusercontent\.com/durex-dotnet/durex/(?<commit>[0-9a-f]{40})/\*$", RegexOptions.CultureInvariant)]
    private static partial Regex RawUrl();

    /// <summary>An MSBuild, NuGet or compiler warning in the canonical format: "origin: warning CODE: text", "origin: warning : text".</summary>
    [GeneratedRegex(@":\s+warning(\s+[A-Za-z]+\d+)?\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex WarningLine();

    /// <summary>An error in the canonical format: "/path/File.cs(1,2): error ID: text", "/path/x.csproj : error NU1101: text".</summary>
    [GeneratedRegex(@"^\s*(?<origin>.*?)(?:\(\d+,\d+\))?\s*:\s+error\s+(?<id>[A-Za-z]+\d+)\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorLine();

    /// <summary>The target of a Markdown link or image, or of an HTML src/href attribute.</summary>
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)[^)]*\)|(?:src|href)=""(?<target>[^""]+)""", RegexOptions.CultureInvariant)]
    private static partial Regex MarkdownTarget();
}
