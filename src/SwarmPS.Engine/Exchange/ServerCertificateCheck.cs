using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Decides whether an HTTPS exchange's certificate is believed (<see cref="ExchangeTrust"/>). A refused
/// handshake surfaces in HttpClient only as "the SSL connection could not be established"; the check keeps
/// the reason, with the fingerprint it saw, so the client can say what to fix (<see cref="Refusal"/>).
/// </summary>
public sealed class ServerCertificateCheck(ExchangeTrust trust, Uri exchangeUrl, X509Certificate2Collection? authorities)
{
    private volatile SwarmException? _refusal;

    /// <summary>Why the last handshake was refused, or null when none was.</summary>
    public SwarmException? Refusal => _refusal;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return Refuse(new SwarmException(
                "ExchangeCertificateUntrusted",
                $"The exchange at {exchangeUrl} presented no certificate.",
                "Check that the URL points at a SwarmPS exchange served over HTTPS.",
                SwarmErrorCategory.PermissionDenied,
                exchangeUrl));
        }

        var seen = ExchangeCertificate.FingerprintOf(certificate);
        if (trust.Pin is { } pin)
        {
            return seen == pin || Refuse(new SwarmException(
                "ExchangePinMismatch",
                $"The exchange at {exchangeUrl} presented a certificate with SHA-256 fingerprint {seen}, not the pinned {pin}.",
                $"If this is the exchange you started (Get-SwarmExchange on its host shows its Fingerprint; a new certificate changes it), set {ExchangeTrust.PinVariable}={seen}; otherwise something else answers at that address: do not send the token there.",
                SwarmErrorCategory.PermissionDenied,
                exchangeUrl));
        }

        if (authorities is not null)
        {
            return TrustedBy(certificate, authorities, errors) || Refuse(Untrusted(seen, $"is not issued by a certificate in {ExchangeTrust.CaVariable} ('{trust.CaFile}') or does not name the host {exchangeUrl.Host}"));
        }

        return errors == SslPolicyErrors.None || Refuse(Untrusted(seen, $"is not trusted by this system ({errors})"));
    }

    /// <summary>
    /// The exchange's own certificate in the CA file is trusted as is (a self-signed one, copied over);
    /// otherwise the chain must end at one of the given roots and the name must match.
    /// </summary>
    private static bool TrustedBy(X509Certificate certificate, X509Certificate2Collection authorities, SslPolicyErrors errors)
    {
        using var presented = new X509Certificate2(certificate);
        if (authorities.Any(authority => authority.RawData.AsSpan().SequenceEqual(presented.RawData)))
        {
            return true;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented);
    }

    private SwarmException Untrusted(string seen, string why) => new(
        "ExchangeCertificateUntrusted",
        $"The exchange at {exchangeUrl} presented a certificate (SHA-256 {seen}) that {why}.",
        $"If the exchange was started with -SelfSigned, pin it: {ExchangeTrust.PinVariable}={seen} after checking that Get-SwarmExchange on its host shows the same Fingerprint, or copy its certificate here and set {ExchangeTrust.CaVariable} to that file.",
        SwarmErrorCategory.PermissionDenied,
        exchangeUrl);

    private bool Refuse(SwarmException refusal)
    {
        _refusal = refusal;
        return false;
    }
}
