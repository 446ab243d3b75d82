namespace SwarmPS.Engine.Campaigns;

/// <summary>An Error stops a launch; a Warning is worth reading but the campaign can run.</summary>
public enum FindingSeverity
{
    Error,
    Warning,
}
