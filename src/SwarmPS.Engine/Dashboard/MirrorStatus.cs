namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// One snapshot of a mirror: its state, what is wrong when it is not <see cref="MirrorState.Up"/> (Missing:
/// which host and path were looked in; Unreachable: ssh's own error line), when it last polled, how many bytes
/// it has written into the local copy in all, and how many polls it has made.
/// </summary>
public sealed record MirrorStatus(MirrorState State, string? Problem, DateTimeOffset? LastPoll, long BytesCopied, int Polls);
