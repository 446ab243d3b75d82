using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// A signac job id: the MD5 hex digest of the state point's <c>json.dumps(statepoint, sort_keys=True)</c>,
/// exactly as signac computes it, so a repository whose id scheme is <see cref="RunIdScheme.Signac"/> gives
/// a run the id of its signac workspace directory and every citation written against signac or aexp stays
/// valid. Python: <c>hashlib.md5(json.dumps(sp, sort_keys=True).encode()).hexdigest()</c>;
/// signac's documented example <c>{"a": 0}</c> is <c>9bfd29df07674bc4aa960cf661b5acd2</c>.
/// </summary>
public static class SignacJobId
{
    /// <summary>The id of a state point already checked (a non-empty map, finite numbers, no lone surrogate).</summary>
    public static string FromStatepoint(object? statepoint)
    {
        // ensure_ascii makes the text pure ASCII, so its bytes are the same in every encoding Python could use.
        var text = CanonicalJson.SerializeSignac(statepoint);
        return Convert.ToHexString(MD5.HashData(Encoding.ASCII.GetBytes(text))).ToLowerInvariant();
    }
}
