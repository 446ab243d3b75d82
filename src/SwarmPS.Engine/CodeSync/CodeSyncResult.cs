namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// One Sync-SwarmCode outcome: the tree, where it lives on the site, and whether it travelled.
/// <see cref="Duration"/> covers it all: listing, hashing, the remote read and the shipping.
/// </summary>
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
