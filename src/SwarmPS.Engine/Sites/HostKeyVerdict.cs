namespace SwarmPS.Engine.Sites;

/// <summary>What the known_hosts files say about the key a host presented.</summary>
public enum HostKeyVerdict
{
    /// <summary>A line for this host lists exactly this key.</summary>
    Known,

    /// <summary>No line names this host with a key of this type: never seen, or seen with another type only.</summary>
    Unknown,

    /// <summary>A line for this host lists another key of the same type: the host key changed (or someone is in between).</summary>
    Changed,

    /// <summary>A <c>@revoked</c> line lists this key.</summary>
    Revoked,
}
