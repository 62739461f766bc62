using System.Text;

namespace Durex.Reliability.Worker;

/// <summary>
/// Appends one line per execution to a file, unbuffered: each line is one write(2) to the operating system, made before
/// the handler returns, so a SIGKILL right after still leaves it in the file (the page cache outlives the process).
/// </summary>
internal sealed class ExecutionLog : IDisposable
{
    private readonly FileStream _file;
    private readonly Lock _gate = new();
    private long _count;

    public ExecutionLog(string path) =>
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

    public long Count => Interlocked.Read(ref _count);

    public void Record(Guid id)
    {
        var line = Encoding.ASCII.GetBytes(id.ToString("D") + "\n");
        lock (_gate)
        {
            _file.Write(line);
            _file.Flush();
            _count++;
        }
    }

    public void Dispose() => _file.Dispose();
}
