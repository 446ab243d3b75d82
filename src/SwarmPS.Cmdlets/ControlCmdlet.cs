using System.Management.Automation;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Control;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the control cmdlets (docs/control-protocol.md): the exchange, as every exchange cmdlet reaches it,
/// and -Namespace (default SWARM_NAMESPACE, else "default"). The control token is never a parameter: it comes
/// from SWARM_CONTROL_TOKEN or a token file, so it stays out of history and transcripts.
/// </summary>
public abstract class ControlCmdlet : ExchangeClientCmdlet
{
    /// <summary>The namespace; default SWARM_NAMESPACE, else 'default'.</summary>
    [Parameter]
    public string? Namespace { get; set; }

    protected string ResolvedNamespace => SwarmNamespace.Resolve(Namespace);

    protected ControlToken Token() => ControlToken.Read(ResolvedNamespace);
}
