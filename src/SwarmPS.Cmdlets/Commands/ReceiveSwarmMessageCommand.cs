using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Receive-SwarmMessage: leases messages from a mailbox and writes them; each is acknowledged right after
/// it is written to the pipeline, unless -NoAcknowledge (then Confirm-SwarmMessage does it, or the lease
/// runs out and it comes back). Acknowledging changes the exchange, so -WhatIf and -Confirm apply to it.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "SwarmMessage", SupportsShouldProcess = true)]
[OutputType(typeof(ReceivedMessage))]
public sealed class ReceiveSwarmMessageCommand : ExchangeClientCmdlet
{
    private const int WaitActivityId = 0x5e3d;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid Mailbox { get; set; }

    [Parameter]
    [ValidateRange(1, 100)]
    public int MaxMessages { get; set; } = 10;

    [Parameter]
    [ValidateRange(1, 43200)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>Wait until at least one message arrives (or -TimeoutSeconds passes); Ctrl+C ends the wait.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait: give up after this long; 0 waits until Ctrl+C.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TimeoutSeconds { get; set; }

    [Parameter]
    public SwitchParameter NoAcknowledge { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var started = DateTimeOffset.UtcNow;
        var lease = TimeSpan.FromSeconds(LeaseSeconds);
        var activity = $"Waiting for messages in mailbox {Mailbox}";
        IReadOnlyList<ReceivedMessage> messages;
        if (!Wait)
        {
            messages = Await(_ => Client.ReceiveAsync(Mailbox, new ReceiveRequest(MaxMessages, lease, TimeSpan.Zero), StopToken));
        }
        else
        {
            // A -Wait longer than the exchange lets one request wait is a loop of long polls; the engine owns it.
            var timeout = TimeoutSeconds > 0 ? TimeSpan.FromSeconds(TimeoutSeconds) : (TimeSpan?)null;
            try
            {
                messages = Await(writer => ShowingProgressAsync(
                    LongReceive.ReceiveAsync(Client, Mailbox, MaxMessages, lease, timeout, cancellationToken: StopToken), writer, activity, started));
            }
            finally
            {
                if (!StopToken.IsCancellationRequested)
                {
                    WriteProgress(new ProgressRecord(WaitActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
                }
            }
        }

        foreach (var message in messages)
        {
            WriteObject(message);
            // -WhatIf shows the messages without acknowledging them: they come back when the lease ends.
            if (!NoAcknowledge && ShouldProcess($"message {message.Id} in mailbox {Mailbox}", "Acknowledge"))
            {
                Await(_ => Client.AcknowledgeAsync(Mailbox, [message.Id], StopToken));
            }
        }
    });

    /// <summary>Reports the time waited once a second until <paramref name="receiving"/> ends, so a long wait is visibly alive.</summary>
    /// <remarks>A new record each time: PowerShell keeps the records it was given, so a reused one would be rewritten under whoever collects them.</remarks>
    private async Task<IReadOnlyList<ReceivedMessage>> ShowingProgressAsync(Task<IReadOnlyList<ReceivedMessage>> receiving, PipelineWriter writer, string activity, DateTimeOffset started)
    {
        while (true)
        {
            var record = new ProgressRecord(WaitActivityId, activity, $"Waited {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s; Ctrl+C stops");
            writer.Post(() => WriteProgress(record));
            if (await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false) == receiving)
            {
                return await receiving.ConfigureAwait(false);
            }
        }
    }
}
