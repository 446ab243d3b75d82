namespace SwarmPS.Engine.Ledger;

/// <summary>
/// How a repository derives a run's id from its statepoint, chosen once per repository
/// (<see cref="RepositoryConfig"/>): both give 32 lowercase hex characters, so citations look alike.
/// </summary>
public enum RunIdScheme
{
    /// <summary>SHA-256 of the compact canonical JSON, first 32 hex characters (<see cref="LedgerRunId"/>).</summary>
    Swarm,

    /// <summary>signac's job id: MD5 of <c>json.dumps(statepoint, sort_keys=True)</c> (<see cref="SignacJobId"/>).</summary>
    Signac,
}
