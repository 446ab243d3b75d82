using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmExchange: url, pid, uptime, mailboxes, pending messages and store size of a running exchange.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmExchange", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(ExchangeInfo))]
public sealed class GetSwarmExchangeCommand : SwarmCmdlet
{
    private const string LocalSet = "Local";
    private const string RemoteSet = "Remote";

    [Parameter(ParameterSetName = LocalSet, ValueFromPipelineByPropertyName = true)]
    public string? StateDirectory { get; set; }

    [Parameter(ParameterSetName = RemoteSet, Mandatory = true)]
    public string ExchangeUrl { get; set; } = "";

    protected override void ProcessRecord() => Run(() =>
    {
        var directory = StateDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(StateDirectory);
        var url = ParameterSetName == RemoteSet ? ExchangeUrl : null;
        Run(() => WriteObject(Await(_ => ExchangeInfo.ReadAsync(directory, url, null, StopToken))));
    });
}
