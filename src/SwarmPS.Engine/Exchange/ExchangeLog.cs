using System.Globalization;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The gateway's log: lifecycle lines and every refused or failed request (method, path without query,
/// status, error id). Headers and bodies are never written, so the token cannot reach the log.
/// </summary>
public sealed class ExchangeLog : IDisposable
{
    private readonly StreamWriter? _writer;
    private readonly object _gate = new();

    public ExchangeLog(string? path)
    {
        if (path is null)
        {
            return;
        }

        var stream = OwnerOnly.OpenAppend(path, FileShare.ReadWrite);
        _writer = new StreamWriter(stream) { AutoFlush = true };
    }

    public static ExchangeLog None { get; } = new(null);

    public void Write(string text)
    {
        if (_writer is null)
        {
            return;
        }

        var line = $"{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {text}";
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer?.Dispose();
        }
    }
}
