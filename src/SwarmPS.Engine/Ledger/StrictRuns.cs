namespace SwarmPS.Engine.Ledger;

/// <summary>How Test-SwarmCitation treats citations of runs it cannot find. Shape checks always apply.</summary>
public enum StrictRuns
{
    /// <summary>A broken run citation or an empty batch is an error.</summary>
    Error,

    /// <summary>The same problems, reported as warnings (a laptop that has not pulled yet).</summary>
    Warn,

    /// <summary>Existence is not checked at all; malformed citations are still errors.</summary>
    Off,
}
