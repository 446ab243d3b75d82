using System.Collections;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The id of a run: the first 32 lowercase hex characters of SHA-256 over the UTF-8 bytes of the
/// statepoint's compact canonical JSON (<see cref="CanonicalJson"/>). Python reproduces it with
/// <c>hashlib.sha256(json.dumps(sp, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()).hexdigest()[:32]</c>.
/// The same parameters give the same id on every machine, which is what makes creating a run idempotent.
/// </summary>
public static partial class LedgerRunId
{
    public const string Pattern = "^[0-9a-f]{32}$";

    public static bool IsValid(string? id) => id is not null && Shape().IsMatch(id);

    /// <summary>Returns the id unchanged, or throws <c>RunIdMalformed</c>: an id is never used as a path unchecked.</summary>
    public static string Validate(string? id)
    {
        if (IsValid(id))
        {
            return id!;
        }

        throw new SwarmException(
            "RunIdMalformed",
            $"Run id '{id}' is not a ledger run id: it must be exactly 32 lowercase hexadecimal characters.",
            "Copy the id from Get-SwarmRun or Get-SwarmLedger (for example 'a3f1...' with 32 characters).",
            SwarmErrorCategory.InvalidArgument,
            id);
    }

    /// <summary>The canonical text a statepoint is hashed over; refuses anything but a non-empty map.</summary>
    public static string CanonicalStatepoint(object? statepoint)
    {
        var isMap = statepoint is IDictionary
            || statepoint is IEnumerable<KeyValuePair<string, object?>>
            || statepoint is System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Object };
        if (!isMap)
        {
            throw new SwarmException(
                "StatepointInvalid",
                $"A statepoint must be a map of parameter names to values, not {(statepoint is null ? "nothing" : "a " + statepoint.GetType().Name)}.",
                "Pass a hashtable such as -Statepoint @{ lr = 0.01; seed = 1 }.",
                SwarmErrorCategory.InvalidArgument,
                statepoint);
        }

        var text = CanonicalJson.Serialize(statepoint);
        if (text == "{}")
        {
            throw new SwarmException(
                "StatepointInvalid",
                "The statepoint is empty, so every such run would share one id.",
                "Name at least one parameter, e.g. -Statepoint @{ experiment = 'baseline'; seed = 1 }.",
                SwarmErrorCategory.InvalidArgument,
                statepoint);
        }

        return text;
    }

    public static string FromCanonical(string canonicalStatepoint)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonicalStatepoint));
        return Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }

    public static string FromStatepoint(object? statepoint) => FromCanonical(CanonicalStatepoint(statepoint));

    /// <summary>
    /// A statepoint's id under a repository's scheme, with the canonical text the run store keeps (the same
    /// in both schemes). The statepoint is checked once, by the canonical form, whichever scheme hashes it.
    /// </summary>
    public static (string Id, string Canonical) Identify(object? statepoint, RunIdScheme scheme)
    {
        var canonical = CanonicalStatepoint(statepoint);
        return (scheme == RunIdScheme.Signac ? SignacJobId.FromStatepoint(statepoint) : FromCanonical(canonical), canonical);
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
