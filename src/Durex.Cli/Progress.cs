namespace Durex.Cli;

/// <summary>
/// Progress of long operations on standard error. On a terminal it rewrites one line (cleared at the end); otherwise
/// (<c>--progress always</c> into a file or pipe) it writes one line per update, so logs stay readable.
/// </summary>
internal sealed class Progress
{
    private readonly TextWriter _writer;
    private readonly bool _rewrite;
    private readonly Lock _gate = new();
    private int _width;

    private Progress(TextWriter writer, bool enabled, bool rewrite)
    {
        _writer = writer;
        Enabled = enabled;
        _rewrite = rewrite;
    }

    public const string Modes = "auto, always or never";

    public bool Enabled { get; }

    /// <summary><c>auto</c> (the default) shows progress only when standard error is a terminal.</summary>
    public static Progress Create(string? mode, TextWriter writer, bool errorIsTerminal) => mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => new Progress(writer, errorIsTerminal, errorIsTerminal),
        "always" => new Progress(writer, true, errorIsTerminal),
        "never" => new Progress(writer, false, false),
        _ => throw CliException.Usage($"--progress '{InputParser.Clip(mode)}' is not a progress mode: use {Modes}."),
    };

    public void Report(string text)
    {
        if (!Enabled)
        {
            return;
        }

        lock (_gate)
        {
            if (_rewrite)
            {
                _writer.Write("\r" + text.PadRight(_width));
                _width = text.Length;
            }
            else
            {
                _writer.WriteLine(text);
            }

            _writer.Flush();
        }
    }

    /// <summary>Removes the rewritten line, so the final message starts on a clean line.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (_rewrite && _width > 0)
            {
                _writer.Write("\r" + new string(' ', _width) + "\r");
                _writer.Flush();
                _width = 0;
            }
        }
    }

    /// <summary>
    /// Reports elapsed time every second while an operation the store runs in one statement is under way (there is
    /// nothing to count); dispose to stop.
    /// </summary>
    public IDisposable Tick(string label, TimeProvider time)
    {
        if (!Enabled)
        {
            return NoTicker.Instance;
        }

        return new Ticker(this, label, time);
    }

    private sealed class Ticker : IDisposable
    {
        private readonly Progress _progress;
        private readonly ITimer _timer;
        private readonly Lock _gate = new();
        private bool _stopped;

        public Ticker(Progress progress, string label, TimeProvider time)
        {
            _progress = progress;
            var started = time.GetTimestamp();
            _timer = time.CreateTimer(_ =>
            {
                // A callback already running when Dispose is called must not write after the line was cleared.
                lock (_gate)
                {
                    if (!_stopped)
                    {
                        _progress.Report(FormattableString.Invariant($"{label}… {time.GetElapsedTime(started).TotalSeconds:0} s"));
                    }
                }
            }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _stopped = true;
            }

            _timer.Dispose();
            _progress.Clear();
        }
    }

    private sealed class NoTicker : IDisposable
    {
        public static readonly NoTicker Instance = new();

        public void Dispose()
        {
        }
    }
}
