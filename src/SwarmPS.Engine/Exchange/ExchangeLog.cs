using System.Globalization;
using System.Text;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The gateway's log: lifecycle lines and refused or failed requests (method, path without query,
/// status, error id). Headers and bodies are never written, so the token cannot reach the log.
/// The log runs on shared login nodes where anyone who can reach the port can make requests, so it is
/// bounded three ways: refused requests are rate-limited (at most MaxRefusedLogLines per interval, then
/// one summary line), every control character is escaped (no terminal escape sequence reaches a `tail`),
/// and the file is rotated to exchange.log.1 at MaxLogBytes.
/// </summary>
public sealed class ExchangeLog : IDisposable
{
    private readonly string? _path;
    private readonly ExchangeLimits _limits;
    private readonly object _gate = new();
    private readonly Timer? _summaryTimer;
    private FileStream? _stream;
    private long _refusedWindowStart;
    private int _refusedInWindow;
    private int _suppressed;
    private bool _summaryScheduled;

    public ExchangeLog(string? path, ExchangeLimits? limits = null)
    {
        _limits = limits ?? new ExchangeLimits();
        if (path is null)
        {
            return;
        }

        _path = path;
        _stream = Open(path);
        _summaryTimer = new Timer(_ => WriteSummary(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public static ExchangeLog None { get; } = new(null);

    /// <summary>A lifecycle line: always written.</summary>
    public void Write(string text)
    {
        lock (_gate)
        {
            Append(text);
        }
    }

    /// <summary>
    /// A refused request: written while this interval's allowance lasts, then counted; the count is
    /// written as one line when the interval ends.
    /// </summary>
    public void WriteRefused(string text)
    {
        if (_stream is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_stream is null)
            {
                return;
            }

            var now = Environment.TickCount64;
            if (now - _refusedWindowStart >= (long)_limits.RefusedLogInterval.TotalMilliseconds)
            {
                // The last window's summary comes before this window's first line, not after it.
                FlushSummary();
                _refusedWindowStart = now;
                _refusedInWindow = 0;
            }

            if (_refusedInWindow < _limits.MaxRefusedLogLines)
            {
                _refusedInWindow++;
                Append(text);
                return;
            }

            _suppressed++;
            if (!_summaryScheduled)
            {
                // The summary follows the end of the window even if no further request arrives.
                _summaryScheduled = true;
                var dueMs = Math.Max(1, (long)_limits.RefusedLogInterval.TotalMilliseconds - (now - _refusedWindowStart));
                _summaryTimer!.Change(dueMs, Timeout.Infinite);
            }
        }
    }

    private void WriteSummary()
    {
        lock (_gate)
        {
            if (_stream is not null)
            {
                FlushSummary();
            }
        }
    }

    private void FlushSummary()
    {
        _summaryScheduled = false;
        _summaryTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        if (_suppressed == 0)
        {
            return;
        }

        Append($"refused {_suppressed} more requests in the last {_limits.RefusedLogInterval.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        _suppressed = 0;
    }

    /// <summary>Text as it may be logged: every control character (C0, DEL, C1, line breaks) as \uXXXX.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var character in text)
        {
            if (char.IsControl(character))
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)character:x4}");
            }
            else
            {
                escaped.Append(character);
            }
        }

        return escaped.ToString();
    }

    private void Append(string text)
    {
        if (_stream is null)
        {
            return;
        }

        var line = Encoding.UTF8.GetBytes($"{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {Escape(text)}\n");
        try
        {
            if (_stream.Length + line.Length > _limits.MaxLogBytes)
            {
                Rotate();
            }

            _stream.Write(line);
            _stream.Flush();
        }
        catch (IOException)
        {
            // A full disk must not take requests down with the log.
        }
    }

    private void Rotate()
    {
        _stream!.Dispose();
        File.Move(_path!, _path + ".1", overwrite: true);
        _stream = Open(_path!);
    }

    // Created 0600 (the log names agents and paths), through the one owner-only helper.
    private static FileStream Open(string path) => OwnerOnly.OpenAppend(path, FileShare.ReadWrite);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_suppressed > 0)
            {
                Append($"refused {_suppressed} more requests before the exchange stopped");
                _suppressed = 0;
            }

            _stream?.Dispose();
            _stream = null;
        }

        // After the stream is gone: a callback still running finds it null and writes nothing.
        _summaryTimer?.Dispose();
    }
}
