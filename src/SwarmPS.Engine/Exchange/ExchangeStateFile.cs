using System.Diagnostics;
using System.Text.Json;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// &lt;stateDir&gt;/exchange.json: how Get- and Stop-SwarmExchange find a running exchange. It records the pid
/// with the process start time, so a pid recycled by another process is never taken for the exchange
/// (and never signalled).
/// </summary>
/// <remarks>Under TLS it also records the certificate's SHA-256 fingerprint and file, which agents pin or trust.</remarks>
public sealed record ExchangeStateFile(Uri Url, int Pid, DateTimeOffset ProcessStartTime, DateTimeOffset StartedAt, string StateDirectory, string LogFile, string? Fingerprint = null, string? CertificateFile = null)
{
    public const string FileName = "exchange.json";

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    public static ExchangeStateFile ForThisProcess(Uri url, ExchangeServerOptions options, ExchangeCertificate? certificate = null)
    {
        using var self = Process.GetCurrentProcess();
        return new ExchangeStateFile(url, self.Id, StartTimeOf(self), DateTimeOffset.UtcNow, Path.GetFullPath(options.StateDirectory), Path.GetFullPath(options.LogPath), certificate?.Fingerprint, certificate?.CertificateFile);
    }

    /// <summary>The recorded exchange, or null when the state directory has none.</summary>
    public static ExchangeStateFile? Read(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ExchangeStateFile>(File.ReadAllText(path), ExchangeWire.Json);
        }
        catch (JsonException error)
        {
            throw new SwarmException(
                "ExchangeStateInvalid",
                $"The exchange state file '{path}' is not valid JSON: {error.Message}",
                "If no exchange is running from this directory, delete the file; otherwise stop the exchange process by hand.",
                SwarmErrorCategory.InvalidData,
                path,
                error);
        }
    }

    /// <summary>Writes atomically (temp file, then rename) with mode 600, so readers never see half a file.</summary>
    public void Write()
    {
        OwnerOnly.CreateDirectory(StateDirectory);
        AtomicFile.WriteAllText(PathIn(StateDirectory), JsonSerializer.Serialize(this, ExchangeWire.Json));
    }

    /// <summary>Deletes the file only if it still names this record's process (a newer exchange may have replaced it).</summary>
    public void DeleteIfOwn()
    {
        var current = Read(StateDirectory);
        if (current is not null && current.Pid == Pid && current.ProcessStartTime == ProcessStartTime)
        {
            File.Delete(PathIn(StateDirectory));
        }
    }

    /// <summary>True when the recorded pid is alive and is the same process (same start time).</summary>
    public bool IsRunning()
    {
        try
        {
            using var process = Process.GetProcessById(Pid);
            return !process.HasExited && (StartTimeOf(process) - ProcessStartTime).Duration() < TimeSpan.FromSeconds(2);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static DateTimeOffset StartTimeOf(Process process) => new DateTimeOffset(process.StartTime).ToUniversalTime();
}
