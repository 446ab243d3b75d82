using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// How a contributor shows the coordinator it holds the plan's admission token without the token ever
/// leaving its process: an HMAC-SHA256, keyed by the token, of the run, the contributor and the plan digest.
/// The proof travels in the contributor's join message; the coordinator, holding the same token (from the
/// same environment variable), computes it again and compares in constant time. A proof is bound to one
/// contributor of one run under one plan, so it admits nothing else; the token itself is never in argv, a
/// log, an event, a manifest or the evidence bundle.
/// </summary>
public static class AdmissionProof
{
    private const string Prefix = "hmac-sha256:";

    public static string Compute(string token, string runId, string contributor, string planDigest)
    {
        var message = Encoding.UTF8.GetBytes($"swarmps-admission-v1\n{runId}\n{contributor}\n{planDigest}");
        return Prefix + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), message)).ToLowerInvariant();
    }

    /// <summary>Whether <paramref name="proof"/> is the proof of this token for this contributor, run and plan.</summary>
    public static bool Verify(string token, string runId, string contributor, string planDigest, string? proof)
    {
        if (proof is null || proof.Length != Prefix.Length + 64)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(token, runId, contributor, planDigest)), Encoding.ASCII.GetBytes(proof));
    }
}
