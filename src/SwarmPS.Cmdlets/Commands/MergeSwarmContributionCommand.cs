using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>Merge-SwarmContribution: merges adapter files (FedAvg, Exact, TrimmedMean, Median) into one F32 adapter and returns the receipt.</summary>
[Cmdlet(VerbsData.Merge, "SwarmContribution", SupportsShouldProcess = true)]
[OutputType(typeof(AdapterMergeReceipt))]
public sealed class MergeSwarmContributionCommand : SwarmCmdlet
{
    private readonly List<string> _files = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [SupportsWildcards]
    [AllowEmptyCollection]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter]
    public double[]? Weight { get; set; }

    [Parameter]
    [ValidateSet("FedAvg", "Exact", "TrimmedMean", "Median")]
    public string Method { get; set; } = "FedAvg";

    [Parameter]
    public double TrimFraction { get; set; }

    [Parameter]
    public double LoraAlpha { get; set; }

    [Parameter(Mandatory = true)]
    public string OutputPath { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter Force { get; set; }

    // The files are gathered from every pipeline input and merged once, at the end.
    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var path in Path)
        {
            _files.AddRange(FilePaths.Resolve(this, path));
        }
    });

    protected override void EndProcessing() => Run(() =>
    {
        var method = Enum.Parse<AggregationMethod>(Method, ignoreCase: true);
        double? trimFraction = MyInvocation.BoundParameters.ContainsKey(nameof(TrimFraction)) ? TrimFraction : null;
        double? loraAlpha = MyInvocation.BoundParameters.ContainsKey(nameof(LoraAlpha)) ? LoraAlpha : null;
        var output = GetUnresolvedProviderPathFromPSPath(OutputPath);

        // Refuse bad arguments before asking, so -WhatIf reports the same refusals a real run would.
        AdapterMerge.CheckArguments(_files, Weight, method, output, trimFraction, loraAlpha, Force);
        if (!ShouldProcess(output, $"Merge {_files.Count} adapter(s) by {method}"))
        {
            return;
        }

        var files = _files.ToArray();
        var receipt = Await(_ => Task.Run(() => AdapterMerge.Merge(files, Weight, method, output, loraAlpha, trimFraction, Force, StopToken), StopToken));
        WriteObject(receipt);
    });
}
