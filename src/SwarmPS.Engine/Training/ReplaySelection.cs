using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Which contributions the plan's replay sample picks, decided from the plan digest and the contributor id
/// alone, so the coordinator, a drill and a Python check all pick the same ones with nothing shared but the
/// plan: the first 8 bytes of sha256(UTF-8 of <c>digest + "\n" + id</c>), big-endian, as an unsigned
/// integer u, and the contributor is picked when u / 2^64 &lt; <see cref="TrainingPlan.ReplaySample"/>.
/// In Python: <c>int.from_bytes(hashlib.sha256(f"{digest}\n{id}".encode()).digest()[:8], "big") &lt; sample * 2**64</c>.
/// A sample of 0 picks none, 1 picks all, and a changed plan picks afresh.
/// </summary>
public static class ReplaySelection
{
    public static bool Picks(TrainingPlan plan, string contributorId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(contributorId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(plan.Digest + "\n" + contributorId));
        var value = BinaryPrimitives.ReadUInt64BigEndian(hash);
        // sample * 2^64 is exact (a power of two), and below 2^64 for any sample under 1; comparing with
        // its ceiling is the exact u < sample * 2^64 Python computes, with no rounding of u to a double.
        return plan.ReplaySample switch
        {
            >= 1 => true,
            > 0 => value < (ulong)Math.Ceiling(plan.ReplaySample * 18446744073709551616.0),
            _ => false,
        };
    }
}
