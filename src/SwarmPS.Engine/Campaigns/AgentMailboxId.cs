using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// The deterministic mailbox id of an agent: UUID version 5 (RFC 9562, SHA-1) over "{runId}/{agentName}"
/// in a fixed SwarmPS namespace. Every site derives every peer's id locally, with no lookup, and a
/// Python agent gets the same value from
/// <c>uuid.uuid5(uuid.UUID('6809ee13-7b98-4004-8bfa-97c58e99a2be'), f"{run_id}/{name}")</c>.
/// </summary>
public static class AgentMailboxId
{
    /// <summary>The namespace of DESIGN.md; changing it would orphan every running campaign.</summary>
    public static readonly Guid Namespace = new("6809ee13-7b98-4004-8bfa-97c58e99a2be");

    public static Guid For(string runId, string agentName)
    {
        CampaignRunId.Validate(runId);
        if (string.IsNullOrWhiteSpace(agentName))
        {
            throw new SwarmException(
                "AgentNameInvalid",
                "An agent name is required to derive a mailbox id.",
                "Pass the agent's name as declared in the campaign file.",
                SwarmErrorCategory.InvalidArgument);
        }

        return UuidV5(Namespace, $"{runId}/{agentName}");
    }

    /// <summary>RFC 9562 section 5.5: SHA-1 of namespace bytes (network order) then the name's UTF-8.</summary>
    public static Guid UuidV5(Guid namespaceId, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        namespaceId.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);

        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
