using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Send-SwarmMessage: stores a message durably in a mailbox; answers once the exchange has it on disk.</summary>
[Cmdlet(VerbsCommunications.Send, "SwarmMessage", SupportsShouldProcess = true)]
[OutputType(typeof(SendReceipt))]
public sealed class SendSwarmMessageCommand : ExchangeClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Mailbox")]
    public Guid To { get; set; }

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Body { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Guid? From { get; set; }

    /// <summary>Reuse an id when retrying so the exchange stores the message once.</summary>
    [Parameter]
    public Guid? MessageId { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        if (!ShouldProcess(To.ToString(), "Send message"))
        {
            return;
        }

        var message = new OutgoingMessage(MessageId ?? Guid.NewGuid(), To, Body, From);
        RunForItem(() => WriteObject(Await(_ => Client.SendAsync(message, StopToken))));
    });
}
