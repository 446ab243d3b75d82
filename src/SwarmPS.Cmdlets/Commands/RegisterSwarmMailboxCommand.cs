using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Register-SwarmMailbox: creates the mailbox of each named agent of a run.</summary>
[Cmdlet(VerbsLifecycle.Register, "SwarmMailbox", SupportsShouldProcess = true)]
[OutputType(typeof(MailboxStatus))]
public sealed class RegisterSwarmMailboxCommand : ExchangeClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string RunId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Agent")]
    public string[] Name { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var name in Name)
        {
            if (ShouldProcess($"{RunId}/{name}", "Register mailbox"))
            {
                RunForItem(() => WriteObject(Await(_ => Client.RegisterAsync(RunId, name, StopToken))));
            }
        }
    });
}
