namespace Durex;

/// <summary>
/// Command ids: version 7 GUIDs (48-bit Unix milliseconds, then a 12-bit counter, then random bits) that increase
/// monotonically within a process, so ordering by (creation time, id) is the order commands were created in, even
/// for siblings created in the same millisecond. Their big-endian bytes sort the same way (PostgreSQL uuid, SQLite blob).
/// </summary>
public static class CommandIds
{
    private static readonly Lock Gate = new();
    private static long _lastMilliseconds = long.MinValue;
    private static int _counter;

    /// <summary>A new id for a command created at <paramref name="now"/>.</summary>
    public static Guid New(DateTimeOffset now)
    {
        var milliseconds = Math.Max(0, now.ToUnixTimeMilliseconds());
        int counter;
        lock (Gate)
        {
            if (milliseconds > _lastMilliseconds)
            {
                _lastMilliseconds = milliseconds;
                _counter = 0;
            }
            else if (++_counter > 0xFFF)
            {
                // 4096 ids in one millisecond: borrow the next millisecond rather than lose monotonicity.
                _lastMilliseconds++;
                _counter = 0;
            }

            milliseconds = _lastMilliseconds;
            counter = _counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[8..]);
        bytes[0] = (byte)(milliseconds >> 40);
        bytes[1] = (byte)(milliseconds >> 32);
        bytes[2] = (byte)(milliseconds >> 24);
        bytes[3] = (byte)(milliseconds >> 16);
        bytes[4] = (byte)(milliseconds >> 8);
        bytes[5] = (byte)milliseconds;
        bytes[6] = (byte)(0x70 | ((counter >> 8) & 0x0F));
        bytes[7] = (byte)counter;
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
