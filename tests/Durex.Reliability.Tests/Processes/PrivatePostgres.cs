using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Durex.Tests.Shared;
using Xunit.Abstractions;

namespace Durex.Reliability.Tests.Processes;

/// <summary>
/// A throwaway PostgreSQL cluster of one test's own, started the way eng/services/postgres.sh starts the suite's server
/// (initdb -A trust --no-locale, as the postgres user under runuser when running as root; data and socket in a temporary
/// folder owned by that user; 127.0.0.1 on a free port; fsync off). The test may stop and start it at will: the shared
/// server of DUREX_POSTGRES is never touched. Skips when the PostgreSQL binaries are missing, and fails under CI=true.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private static readonly TimeSpan CommandGuard = TimeSpan.FromMinutes(2);
    private readonly string _bin;
    private readonly string _directory;
    private readonly string[] _runAs;
    private readonly int _port;
    private readonly ITestOutputHelper _output;

    private PrivatePostgres(string bin, string directory, string[] runAs, int port, ITestOutputHelper output)
    {
        _bin = bin;
        _directory = directory;
        _runAs = runAs;
        _port = port;
        _output = output;
    }

    public string ConnectionString => $"Host=127.0.0.1;Port={_port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres";

    private string Data => Path.Combine(_directory, "data");

    public static async Task<PrivatePostgres> StartAsync(ITestOutputHelper output)
    {
        var bin = FindBinaries();
        if (bin is null)
        {
            const string reason = "no PostgreSQL binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql): the outage test needs a private server it may stop";
            if (Reliability.OnCi)
            {
                throw new InvalidOperationException("CI=true but " + reason);
            }

            throw new SkipException(reason);
        }

        // PostgreSQL refuses to run as root: run it as the postgres user (or as ourselves when we are not root).
        string[] runAs = [];
        var directory = Directory.CreateTempSubdirectory("durex-pg-private-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101); // rwxr-xr-x, as the script's chmod 755
        }

        if (Reliability.IsRoot)
        {
            if ((await ExternalProcess.RunAsync("id", directory, CommandGuard, "postgres")).ExitCode != 0)
            {
                await RunCheckedAsync(directory, ["useradd", "--system", "--no-create-home", "postgres"]);
            }

            await RunCheckedAsync(directory, ["chown", "postgres", directory]);
            runAs = ["runuser", "-u", "postgres", "--"];
        }

        var server = new PrivatePostgres(bin, directory, runAs, FreePort(), output);
        try
        {
            await server.RunAsync(Path.Combine(bin, "initdb"), "-D", server.Data, "-A", "trust", "--no-locale", "-E", "UTF8", "-U", "postgres");
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>pg_ctl start (waits until it accepts connections).</summary>
    public Task StartAgainAsync() =>
        RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", Data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {_port.ToString(CultureInfo.InvariantCulture)} -c unix_socket_directories={_directory} " +
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100", "start");

    /// <summary>pg_ctl stop -m fast: clients are disconnected, open transactions rolled back; waits until the server is down.</summary>
    public Task StopAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", Data, "-m", "fast", "-w", "-t", "60", "stop");

    public async ValueTask DisposeAsync()
    {
        if (Directory.Exists(Path.Combine(Data, "global")))
        {
            string[] stop = [.. _runAs, Path.Combine(_bin, "pg_ctl"), "-D", Data, "-m", "immediate", "-w", "stop"];
            await ExternalProcess.RunAsync(stop[0], _directory, CommandGuard, stop[1..]); // not running is fine too
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException ex)
        {
            _output.WriteLine($"(could not delete {_directory}: {ex.Message})");
        }
    }

    private async Task RunAsync(string program, params string[] arguments)
    {
        string[] command = [.. _runAs, program, .. arguments];
        await RunCheckedAsync(_directory, command);
    }

    private static async Task RunCheckedAsync(string directory, string[] command)
    {
        var (exitCode, text) = await ExternalProcess.RunAsync(command[0], directory, CommandGuard, command[1..]);
        if (exitCode != 0)
        {
            var log = Path.Combine(directory, "server.log");
            throw new InvalidOperationException($"{string.Join(' ', command)} exited with {exitCode}:\n{text}" +
                (File.Exists(log) ? "\n--- server.log ---\n" + File.ReadAllText(log) : ""));
        }
    }

    private static string? FindBinaries()
    {
        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            return null;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => (Version: int.TryParse(Path.GetFileName(d), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0, Bin: Path.Combine(d, "bin")))
            .Where(d => File.Exists(Path.Combine(d.Bin, "initdb")) && File.Exists(Path.Combine(d.Bin, "pg_ctl")))
            .OrderBy(d => d.Version)
            .Select(d => d.Bin)
            .LastOrDefault();
    }

    /// <summary>
    /// A free port below the kernel's ephemeral range. While the server is down its clients keep connecting to its port;
    /// a port inside the ephemeral range could be picked as the source port of such an attempt, which on Linux then
    /// connects to itself and keeps the port.
    /// </summary>
    private static int FreePort()
    {
        var ephemeralStart = 32768;
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0],
                NumberStyles.Integer, CultureInfo.InvariantCulture, out var start))
        {
            ephemeralStart = start;
        }

        var low = Math.Min(20_000, ephemeralStart / 2);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(low, ephemeralStart);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        throw new InvalidOperationException($"No free port found between {low} and {ephemeralStart}.");
    }
}
