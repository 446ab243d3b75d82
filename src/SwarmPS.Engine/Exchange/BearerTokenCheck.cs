using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Compares a presented bearer token with the exchange's in constant time. Both sides are hashed first,
/// so the comparison always runs over 32 bytes: neither the content nor the length of the real token
/// leaks through response timing.
/// </summary>
public sealed class BearerTokenCheck
{
    private readonly byte[] _expectedHash;

    public BearerTokenCheck(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new ArgumentException("The exchange token must not be empty.", nameof(token));
        }

        _expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>True when the Authorization header value is "Bearer " followed by the exchange's token.</summary>
    public bool IsAuthorized(string? authorizationHeader)
    {
        const string scheme = "Bearer ";
        var presented = authorizationHeader is not null && authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? authorizationHeader[scheme.Length..].Trim()
            : "";
        Span<byte> presentedHash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);

        // Hash and compare even when the header is missing, so a missing header costs the same time as a wrong one.
        var equal = CryptographicOperations.FixedTimeEquals(presentedHash, _expectedHash);
        return equal && presented.Length > 0;
    }
}
