using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Confirm-SwarmMessage: acknowledges received messages so they are never delivered again.</summary>
[Cmdlet(VerbsLifecycle.Confirm, "SwarmMessage", SupportsShouldProcess = true)]
[OutputType(typeof(int))]
public sealed class ConfirmSwarmMessageCommand : ExchangeClientCmdlet
{
    /// <summary>The mailbox the messages were received from (a ReceivedMessage's To).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("To")]
    public Guid Mailbox { get; set; }

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid[] MessageId { get; set; } = Array.Empty<Guid>();

    /// <summary>Write how many messages were pending and are now acknowledged.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        if (!ShouldProcess($"{MessageId.Length} message(s) in {Mailbox}", "Acknowledge"))
        {
            return;
        }

        RunForItem(() =>
        {
            var acknowledged = Await(_ => AcknowledgeBatches.AcknowledgeAllAsync(Client, Mailbox, MessageId, StopToken));

            if (PassThru)
            {
                WriteObject(acknowledged);
            }
        });
    });
}
