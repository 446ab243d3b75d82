namespace SwarmPS.Engine.CodeSync;

/// <summary>One Sync-SwarmCode outcome: the tree, where it lives on the site, and whether it travelled.</summary>
public sealed record CodeSyncResult(
    string Site,
    string Name,
    string Destination,
    string TreeHash,
    int Files,
    long Bytes,
    bool Shipped,
    string Transport,
    TimeSpan Duration);
