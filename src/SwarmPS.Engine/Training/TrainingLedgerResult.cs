namespace SwarmPS.Engine.Training;

/// <summary>
/// What <see cref="TrainingLedger.Record"/> did: the ledger run id the step was recorded under (null when it
/// was not recorded) and notes for the cmdlet to write as warnings (why not, or what went wrong on the way).
/// </summary>
public sealed record TrainingLedgerResult(string? LedgerRunId, IReadOnlyList<string> Notes);
