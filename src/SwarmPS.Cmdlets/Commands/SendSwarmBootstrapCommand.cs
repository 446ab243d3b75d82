using System.Management.Automation;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Cmdlets;

/// <summary>Send-SwarmBootstrap: the operator's kickoff, sent once to the initial agent when it is live.</summary>
[Cmdlet(VerbsCommunications.Send, "SwarmBootstrap", SupportsShouldProcess = true)]
[OutputType(typeof(BootstrapReceipt))]
public sealed class SendSwarmBootstrapCommand : CampaignRunCmdlet
{
    private const int ActivityId = 0x51E2;

    /// <summary>Default: the campaign's initial agent.</summary>
    [Parameter]
    public string? Recipient { get; set; }

    /// <summary>Seconds to wait for the recipient to be live.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int Timeout { get; set; } = 600;

    protected override void ProcessRecord() => Run(() =>
    {
        var recipient = string.IsNullOrWhiteSpace(Recipient) ? Campaign.InitialAgent : Recipient;
        if (!ShouldProcess($"{recipient} ({AgentMailboxId.For(RunId, recipient)}) of run {RunId}", "Send the kickoff"))
        {
            return;
        }

        var activity = $"Send-SwarmBootstrap to {recipient} ({RunId})";
        try
        {
            WriteProgress(new ProgressRecord(ActivityId, activity, $"waiting for {recipient} to be live"));
            var receipt = Await(writer => CampaignBootstrap.SendAsync(
                Client, Campaign, RunId, recipient, TimeSpan.FromSeconds(Timeout),
                writer.Progress<IReadOnlyList<string>>(_ => WriteProgress(new ProgressRecord(ActivityId, activity, $"waiting for {recipient} to be live"))),
                StopToken));
            WriteObject(receipt);
        }
        finally
        {
            // Also after a failure; a stopped pipeline takes no more records (its host clears the bar).
            if (!Stopping)
            {
                WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    });
}
