using System.Globalization;
using System.Runtime.InteropServices;

namespace AotWorker;

/// <summary>
/// The two figures the AOT test reports: time from process start to the first command, and peak resident memory.
/// </summary>
/// <remarks>
/// The process start comes from the kernel, not from the runtime: field 22 of <c>/proc/self/stat</c> is the time the
/// process was created (the fork, so it includes exec, the dynamic loader and the runtime's own start-up), in clock ticks
/// since boot. "Now" is <c>clock_gettime(CLOCK_BOOTTIME)</c>, the same clock (since boot, counting suspend), read with
/// nanosecond precision. The start time is truncated to a clock tick (10 ms at the usual 100 Hz), so the figure can
/// be up to one tick too high and never too low. <c>Process.StartTime</c> says the same thing less directly (it goes
/// through wall-clock time) and pulls System.Diagnostics.Process into the binary; <c>Environment.TickCount64</c> is a
/// coarse monotonic clock that does not share the kernel's origin.
/// </remarks>
internal static partial class Measurements
{
    private const int ClockBootTime = 7; // CLOCK_BOOTTIME
    private const int ScClkTck = 2;      // _SC_CLK_TCK
    private static long _firstCommandMicroseconds; // 0 until the first handler starts; then µs since process start + 1

    /// <summary>Milliseconds from the process's creation to now; null off Linux.</summary>
    public static double? MillisecondsSinceProcessStart()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // The command name (field 2) is in parentheses and may itself contain spaces or ')': split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var startTicks = long.Parse(fields[22 - 3], CultureInfo.InvariantCulture); // fields[0] is field 3
            var ticksPerSecond = sysconf(ScClkTck);
            if (ticksPerSecond <= 0 || clock_gettime(ClockBootTime, out var now) != 0)
            {
                return null;
            }

            var nowMs = now.Seconds * 1000.0 + now.Nanoseconds / 1_000_000.0;
            return nowMs - startTicks * 1000.0 / ticksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException
                                      or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Called at the start of every handler: the first call records the startup time.</summary>
    public static void CommandStarted()
    {
        if (Volatile.Read(ref _firstCommandMicroseconds) == 0 && MillisecondsSinceProcessStart() is { } ms)
        {
            Interlocked.CompareExchange(ref _firstCommandMicroseconds, (long)Math.Round(ms * 1000) + 1, 0);
        }
    }

    /// <summary>Milliseconds from process start to the first handler's start, or null if none ran (or off Linux).</summary>
    public static double? StartupToFirstCommandMs =>
        Volatile.Read(ref _firstCommandMicroseconds) is var us and > 0 ? (us - 1) / 1000.0 : null;

    /// <summary>Peak resident set size (VmHWM) in MiB, or null where /proc is missing.</summary>
    public static double? PeakRssMb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // Bound at link time in the native binary (DirectPInvoke in the project). Under the JIT (dotnet run) "libc" may not
    // resolve; the figure is then left out.
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long sysconf(int name);
}
