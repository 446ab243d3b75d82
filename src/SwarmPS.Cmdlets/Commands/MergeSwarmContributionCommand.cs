using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Merge-SwarmContribution: merges a run's accepted contributions (verdicts of Test-SwarmContribution), or
/// adapter files named by path, into one F32 adapter (FedAvg, Exact, TrimmedMean, Median) and returns the receipt.
/// </summary>
[Cmdlet(VerbsData.Merge, "SwarmContribution", SupportsShouldProcess = true, DefaultParameterSetName = VerdictSet)]
[OutputType(typeof(AdapterMergeReceipt))]
public sealed class MergeSwarmContributionCommand : SwarmCmdlet
{
    private const string PathSet = "Path";
    private const string VerdictSet = "Verdict";

    private readonly List<string> _files = new();
    private readonly List<ContributionVerdict> _verdicts = new();

    /// <summary>Verdicts of Test-SwarmContribution: the Accepted ones are merged, weighted by their example counts.</summary>
    // The default set, and not positional: PowerShell binds a piped object to the default set first, even by
    // coercion, so a verdict would become a -Path string if Path were the default; a string fails to become a
    // verdict and falls through to -Path, and a positional argument can only be a -Path.
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VerdictSet)]
    public ContributionVerdict[] Verdict { get; set; } = Array.Empty<ContributionVerdict>();

    /// <summary>The experiment repository holding the run's record (default: the one above the current location).</summary>
    [Parameter(ParameterSetName = VerdictSet)]
    [Alias("RepositoryRoot")]
    public string? Repository { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName", "PSPath")]
    [SupportsWildcards]
    [AllowEmptyCollection]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = PathSet)]
    public double[]? Weight { get; set; }

    [Parameter]
    [ValidateSet("FedAvg", "Exact", "TrimmedMean", "Median")]
    public string Method { get; set; } = "FedAvg";

    [Parameter]
    public double TrimFraction { get; set; }

    [Parameter(ParameterSetName = PathSet)]
    public double LoraAlpha { get; set; }

    [Parameter(Mandatory = true)]
    public string OutputPath { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter Force { get; set; }

    // The files are gathered from every pipeline input and merged once, at the end.
    protected override void ProcessRecord() => Run(() =>
    {
        _verdicts.AddRange(Verdict);
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
        if (ParameterSetName == VerdictSet)
        {
            MergeVerdicts(method, output, trimFraction);
            return;
        }


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

    private void MergeVerdicts(AggregationMethod method, string output, double? trimFraction)
    {
        var (runId, accepted, _) = RunAggregation.Select(_verdicts);
        if (!ShouldProcess(output, $"Merge {accepted.Count} accepted contribution(s) of run {runId} by {method}"))
        {
            return;
        }

        var repository = RepositoryCmdlet.Locate(this, Repository).Root;
        var verdicts = _verdicts.ToArray();
        var outcome = Await(_ => Task.Run(() => RunAggregation.Merge(repository, verdicts, method, output, trimFraction, Force, StopToken), StopToken));
        foreach (var note in outcome.LeftOut.Concat(outcome.Notes))
        {
            WriteWarning(note);
        }

        WriteObject(outcome.Receipt);
    }
}
