namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// What one poll did: the bytes ssh brought back (the listing plus the new bytes as hex; what a poll costs),
/// the local files it wrote, whether a file had more new bytes than one poll carries (poll again at once),
/// how long it took, and the mirror's status after it.
/// </summary>
public sealed record MirrorPoll(long BytesReceived, int FilesUpdated, bool MorePending, TimeSpan Elapsed, MirrorStatus Status);
