namespace SwarmPS.Engine.Sites;

/// <summary>Outcome of one preflight check. Warn does not block dependent checks; Fail does.</summary>
public enum PreflightStatus
{
    Pass,
    Warn,
    Fail,
}
