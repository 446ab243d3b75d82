namespace SwarmPS.Engine;

/// <summary>
/// Mirrors the PowerShell ErrorCategory names SwarmPS uses, so the cmdlet layer can map by name
/// without the engine referencing System.Management.Automation.
/// </summary>
public enum SwarmErrorCategory
{
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    OperationTimeout,
    PermissionDenied,
    ConnectionError,
    NotInstalled,
    OperationStopped,
}
