using System.Management.Automation;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Send-SwarmContribution: uploads a contribution directory (manifest.json and adapter.safetensors, as a
/// trainer writes them) to the exchange as blobs and announces it for the manifest's run and contributor.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "SwarmContribution", SupportsShouldProcess = true)]
[OutputType(typeof(ContributionArrival))]
public sealed class SendSwarmContributionCommand : ExchangeClientCmdlet
{
    private const int ActivityId = 0xC0B7;

    /// <summary>The contribution directory; the run id and contributor come from its manifest.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string[] Path { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var path in Path)
        {
            var directory = GetUnresolvedProviderPathFromPSPath(path);
            if (!ShouldProcess(directory, "Upload the adapter and manifest and announce the contribution"))
            {
                continue;
            }

            RunForItem(() =>
            {
                var activity = $"Send-SwarmContribution {System.IO.Path.GetFileName(directory)}";
                var size = new FileInfo(System.IO.Path.Combine(directory, ContributionFiles.Adapter)) is { Exists: true } adapter ? adapter.Length : 0;
                try
                {
                    var arrival = Await(writer => ContributionUpload.SendAsync(
                        Connection(),
                        directory,
                        allowDigestMismatch: false,
                        writer.Progress<long>(sent => WriteProgress(new ProgressRecord(ActivityId, activity, $"{sent:N0} of {size:N0} adapter bytes on the exchange")
                        {
                            PercentComplete = size > 0 ? (int)Math.Min(100, sent * 100 / size) : -1,
                        })),
                        StopToken));
                    WriteObject(arrival);
                }
                finally
                {
                    WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
                }
            });
        }
    });
}
