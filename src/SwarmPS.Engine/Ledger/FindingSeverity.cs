namespace SwarmPS.Engine.Ledger;

public enum FindingSeverity
{
    Warning,
    Error,
}
