namespace SwarmPS.Engine.Ledger;

/// <summary>
/// One run as the aexp 0.6 ledger holds it (<c>.aexp/ledger/&lt;job_id&gt;.json</c>), read by
/// <see cref="AexpEntryParser"/>: the fields a SwarmPS ledger entry also has, under the same names, so
/// <see cref="AexpConverter"/> can project it through the same sanitizer. <see cref="RunRecord.Id"/> is the
/// aexp (signac) job id and <see cref="RunRecord.Statepoint"/> the raw statepoint, not yet scrubbed.
/// </summary>
public sealed record AexpEntry : RunRecord
{
    /// <summary>When aexp created the run; aexp entries may leave it out.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Repository-relative path of the file, <c>.aexp/ledger/&lt;job_id&gt;.json</c>.</summary>
    public required string File { get; init; }
}
