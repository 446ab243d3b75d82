using System.Security.Cryptography.X509Certificates;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Which HTTPS exchange a client believes: the system's trusted roots by default; with SWARM_EXCHANGE_CA a
/// PEM file of certificates to trust instead (an issuing CA, or the exchange's own self-signed
/// certificate); with SWARM_EXCHANGE_PIN the exchange's SHA-256 fingerprint, which alone decides (like an
/// SSH host key: names and expiry do not matter, the key does).
/// </summary>
public sealed record ExchangeTrust(string? CaFile, string? Pin)
{
    public const string CaVariable = "SWARM_EXCHANGE_CA";

    public const string PinVariable = "SWARM_EXCHANGE_PIN";

    private const int CaFileLimit = 1024 * 1024;

    public static ExchangeTrust System { get; } = new(null, null);

    /// <summary>SWARM_EXCHANGE_CA and SWARM_EXCHANGE_PIN as set in this process (empty counts as unset).</summary>
    public static ExchangeTrust FromEnvironment() => new(
        NullIfEmpty(Environment.GetEnvironmentVariable(CaVariable)),
        NullIfEmpty(Environment.GetEnvironmentVariable(PinVariable)) is { } pin ? NormalizePin(pin) : null);

    /// <summary>
    /// A fingerprint as written by Get-SwarmExchange (AB:CD:..), openssl ("sha256 Fingerprint=AB:CD:..")
    /// or bare hex, as the colon-separated upper-case form; anything else is refused.
    /// </summary>
    public static string NormalizePin(string text)
    {
        var value = text.Trim();
        var equals = value.LastIndexOf('=');
        if (equals >= 0)
        {
            value = value[(equals + 1)..];
        }

        if (value.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            value = value[7..];
        }

        var hex = value.Replace(":", "", StringComparison.Ordinal).Trim();
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
        {
            throw new SwarmException(
                "ExchangePinInvalid",
                $"{PinVariable} is not a SHA-256 fingerprint (64 hex digits, colons allowed): '{(text.Length > 120 ? text[..120] + "…" : text)}'.",
                "Copy the Fingerprint that Get-SwarmExchange or Start-SwarmExchange -PassThru shows (or: openssl x509 -noout -fingerprint -sha256 -in exchange.crt).",
                SwarmErrorCategory.InvalidArgument,
                PinVariable);
        }

        return string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2).ToUpperInvariant()));
    }

    /// <summary>A validator for one client: it decides each handshake and remembers why it refused one.</summary>
    public ServerCertificateCheck CreateCheck(Uri exchangeUrl) => new(this, exchangeUrl, CaFile is null ? null : LoadCaFile(CaFile));

    private static X509Certificate2Collection LoadCaFile(string path)
    {
        string? pem;
        try
        {
            pem = BoundedFileRead.ReadAllText(path, CaFileLimit, followLinks: true);
        }
        catch (Exception error) when (error is FileRefusedException or IOException or UnauthorizedAccessException)
        {
            throw CaFileInvalid(path, error.Message, error);
        }

        if (pem is null)
        {
            throw new SwarmException(
                "ExchangeCaFileNotFound",
                $"{CaVariable} names '{path}', which does not exist.",
                $"Copy the exchange's certificate (Get-SwarmExchange shows CertificateFile) to this host and point {CaVariable} at it, or pin it with {PinVariable} instead.",
                SwarmErrorCategory.ObjectNotFound,
                path);
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (Exception error) when (error is global::System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw CaFileInvalid(path, error.Message, error);
        }

        return certificates.Count > 0 ? certificates : throw CaFileInvalid(path, "it holds no PEM certificate (BEGIN CERTIFICATE)", null);
    }

    private static SwarmException CaFileInvalid(string path, string reason, Exception? error) => new(
        "ExchangeCaFileInvalid",
        $"{CaVariable} names '{path}', which could not be read as PEM certificates: {reason}",
        $"Point {CaVariable} at a PEM file of the CA or exchange certificate (at most {CaFileLimit / 1024} KiB), or pin with {PinVariable}.",
        SwarmErrorCategory.InvalidData,
        path,
        error);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
