namespace SwarmPS.Engine;

/// <summary>
/// Which error ids a caller may retry as they are, with the same arguments, without a person looking first:
/// the cause is transient (load, a network hop, something still starting, a wait that ran out) AND the failed
/// call changed nothing, or what it changed is idempotent (resumable blob transfers, message ids stored once,
/// reads). Everything else is not retry-safe: retrying either repeats a side effect (a launch that got half way,
/// a submit that queued some arrays, a process that may still be running) or cannot succeed until something
/// changes (a bad argument, a missing file, a refused token, a full disk).
/// This is the one table: <see cref="SwarmException.RetrySafe"/> reads it, the swarmps launcher prints it as
/// retry_safe, and docs/errors.md shows it in its Retry safe column (tests/SwarmPS.Surface.Tests holds the two
/// equal). Send-SwarmMessage is idempotent only by its message id: a caller that means to retry gives -MessageId.
/// </summary>
public static class ErrorRetry
{
    /// <summary>The retry-safe ids, grouped by why.</summary>
    public static IReadOnlySet<string> SafeIds { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        // The exchange could not be reached, or did not answer in time: nothing reached it, or what did is
        // idempotent (a resent message id is stored once, an unacknowledged lease comes back).
        "ExchangeUnreachable", "ExchangeTimeout", "BrokerUnavailable",

        // The exchange refused the request for load or shutdown before doing anything with it.
        "ExchangeBusy", "ExchangeStopping", "LongPollLimitReached", "RequestBufferLimitReached", "RequestTimeout",
        "ExchangePendingLimitReached",

        // Blob transfers are content-addressed and resumable: a retry continues where the last one stopped.
        "BlobTransferIncomplete", "BlobTransferStalled", "BlobUploadIncomplete", "BlobUploadInProgress", "BlobOffsetMismatch",

        // Something is still starting or still running; the failed call only looked and changed nothing.
        "BootstrapRecipientNotFound", "MailboxHeldByExchange", "JobStillRunning", "TrainingStatusNotFound", "ContributionNotFound",

        // Read-only status queries and waits that ran out: asking again is what the remediation says.
        "SiteUnreachable", "SchedulerUnavailable", "WaitTimeout", "WatchTimeout",

        // The canary keeps running; the same submit again waits for it and submits nothing twice.
        "CanaryTimeout",

        // Aggregation: the job is still running, or a read of the site failed; nothing was combined or changed.
        "AggregationJobRunning", "AggregationListingFailed", "AggregationFetchFailed",

        // Control: an unanswered command expired and never runs later (and a retry with the same correlation id is
        // answered from the receiver's journal); no reply mailbox was free, so nothing was sent.
        "AgentManagerNoReply", "WorkflowAgentNoReply", "ControlReplySlotsBusy",

        // Code sync: the folder changed under the hash, or rsync failed and its staging folder was removed;
        // the shipped tree on the site is untouched either way.
        "CodeFileVanished", "CodeRsyncFailed",
    };

    /// <summary>True when <paramref name="errorId"/> is in <see cref="SafeIds"/>; ids are compared exactly.</summary>
    public static bool IsSafe(string errorId) => SafeIds.Contains(errorId);
}
