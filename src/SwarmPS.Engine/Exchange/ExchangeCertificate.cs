using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The certificate an exchange serves HTTPS with: the operator's PEM certificate and key, or a self-signed
/// one the exchange creates once in &lt;stateDir&gt;/tls (owner-only) and reuses on every restart, so the
/// fingerprint agents pin stays the same. Both files are read as hostile (bounded, regular files only),
/// and a private key that others can read is refused: a leaked key lets anyone impersonate the exchange.
/// </summary>
public sealed class ExchangeCertificate : IDisposable
{
    /// <summary>PEM certificates and keys are a few KiB; a chain of ten is well under this.</summary>
    private const int PemLimit = 256 * 1024;

    private ExchangeCertificate(X509Certificate2 certificate, string certificateFile)
    {
        Certificate = certificate;
        CertificateFile = certificateFile;
        Fingerprint = FingerprintOf(certificate);
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The PEM file agents can trust with SWARM_EXCHANGE_CA.</summary>
    public string CertificateFile { get; }

    /// <summary>SHA-256 of the certificate, as openssl x509 -fingerprint -sha256 prints it (AB:CD:...).</summary>
    public string Fingerprint { get; }

    public static string SelfSignedDirectory(string stateDirectory) => Path.Combine(stateDirectory, "tls");

    /// <summary>The certificate <paramref name="options"/> ask for, or null for plain HTTP.</summary>
    public static ExchangeCertificate? For(ExchangeServerOptions options)
    {
        var hasFiles = options.CertificateFile is not null || options.KeyFile is not null;
        if (options.SelfSigned && hasFiles)
        {
            throw new SwarmException(
                "ExchangeTlsOptionsConflict",
                "Both -SelfSigned and a certificate file were given; the exchange serves one certificate.",
                "Pass either -CertificateFile with -KeyFile (a certificate you were issued) or -SelfSigned, not both.",
                SwarmErrorCategory.InvalidArgument);
        }

        if (options.SelfSigned)
        {
            return SelfSigned(options);
        }

        if (!hasFiles)
        {
            return null;
        }

        if (options.CertificateFile is null || options.KeyFile is null)
        {
            throw new SwarmException(
                "ExchangeTlsKeyMissing",
                $"HTTPS needs both a certificate and its private key; only the {(options.CertificateFile is null ? "key" : "certificate")} was given.",
                "Pass -CertificateFile cert.pem together with -KeyFile key.pem (PEM), or -SelfSigned to let the exchange create one.",
                SwarmErrorCategory.InvalidArgument);
        }

        return Load(Path.GetFullPath(options.CertificateFile), Path.GetFullPath(options.KeyFile));
    }

    /// <summary>Formats a certificate's SHA-256 the way agents write it in SWARM_EXCHANGE_PIN.</summary>
    public static string FingerprintOf(X509Certificate certificate) =>
        string.Join(':', SHA256.HashData(certificate.GetRawCertData()).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private static ExchangeCertificate Load(string certificateFile, string keyFile)
    {
        var certificatePem = ReadPem(certificateFile, "certificate");
        EnsureKeyPrivate(keyFile);
        var keyPem = ReadPem(keyFile, "private key");
        X509Certificate2 loaded;
        try
        {
            using var pem = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // An ephemeral key from PEM cannot serve TLS on Windows; a PKCS#12 round trip makes it a real one everywhere.
            loaded = new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            throw new SwarmException(
                "ExchangeCertificateInvalid",
                $"Could not load the certificate '{certificateFile}' with the key '{keyFile}': {error.Message}",
                "Give a PEM certificate (BEGIN CERTIFICATE) and the PEM private key that belongs to it (BEGIN PRIVATE KEY / EC / RSA, unencrypted); check they match with: openssl x509 -noout -pubkey -in cert.pem; openssl pkey -pubout -in key.pem.",
                SwarmErrorCategory.InvalidData,
                certificateFile,
                error);
        }

        return new ExchangeCertificate(loaded, certificateFile);
    }

    private static string ReadPem(string path, string what)
    {
        string? text;
        try
        {
            // Links are followed: issued certificates commonly live behind them (/etc/letsencrypt/live).
            text = BoundedFileRead.ReadAllText(path, PemLimit, followLinks: true);
        }
        catch (Exception error) when (error is FileRefusedException or IOException or UnauthorizedAccessException)
        {
            throw new SwarmException(
                "ExchangeCertificateUnreadable",
                $"Could not read the {what} file '{path}': {error.Message}",
                $"Point at a readable regular PEM file of at most {PemLimit / 1024} KiB.",
                SwarmErrorCategory.InvalidData,
                path,
                error);
        }

        return text ?? throw new SwarmException(
            "ExchangeCertificateNotFound",
            $"The {what} file '{path}' does not exist.",
            "Check the path given to -CertificateFile / -KeyFile, or use -SelfSigned.",
            SwarmErrorCategory.ObjectNotFound,
            path);
    }

    /// <summary>A key readable by group or others is refused, the way ssh refuses a loose identity file.</summary>
    private static void EnsureKeyPrivate(string keyFile)
    {
        if (File.Exists(keyFile) && Files.OwnerOnly.IsOpenToOthers(keyFile, out var mode))
        {
            throw new SwarmException(
                "ExchangeKeyExposed",
                $"The private key '{keyFile}' can be read by other users (mode {Convert.ToString((int)mode, 8)}): anyone who reads it can pose as the exchange.",
                $"Restrict it to its owner: chmod 600 '{keyFile}'; if others may already have read it, have a new certificate issued.",
                SwarmErrorCategory.PermissionDenied,
                keyFile);
        }
    }

    /// <summary>Reuses &lt;stateDir&gt;/tls/exchange.crt and .key when present, else creates them (owner-only).</summary>
    private static ExchangeCertificate SelfSigned(ExchangeServerOptions options)
    {
        var directory = SelfSignedDirectory(Path.GetFullPath(options.StateDirectory));
        var certificateFile = Path.Combine(directory, "exchange.crt");
        var keyFile = Path.Combine(directory, "exchange.key");
        if (File.Exists(certificateFile) || File.Exists(keyFile))
        {
            return Load(certificateFile, keyFile);
        }

        OwnerOnly.CreateDirectory(options.StateDirectory);
        OwnerOnly.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=SwarmPS exchange on {Dns.GetHostName()}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, critical: false));
        request.CertificateExtensions.Add(SubjectNames(options.BindAddress));
        // Pinned by fingerprint, so a long life costs nothing; a new one is made by deleting the tls folder.
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
        AtomicFile.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        AtomicFile.WriteAllText(certificateFile, created.ExportCertificatePem() + "\n");
        return Load(certificateFile, keyFile);
    }

    /// <summary>The names agents use: loopback, this host's name, and the bind address when it is one interface.</summary>
    private static X509Extension SubjectNames(string bindAddress)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Dns.GetHostName());
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (IPAddress.TryParse(bindAddress, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(address))
        {
            names.AddIpAddress(address);
        }

        return names.Build();
    }

    public void Dispose() => Certificate.Dispose();
}
