using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Training;

/// <summary>A run's merge: the receipt, the verdicts left out (not Accepted) with why, and what the ledger could not record.</summary>
public sealed record RunAggregationOutcome(AdapterMergeReceipt Receipt, IReadOnlyList<string> LeftOut, IReadOnlyList<string> Notes);

/// <summary>
/// Merges a run's accepted contributions: only Accepted verdicts are merged (the others are named as left
/// out), each weighted by its example count, each adapter checked to be the bytes that were validated, and
/// Exact's alpha taken from the run's plan. The receipt names the run, is filed in the record and recorded
/// as an aggregation run in the ledger.
/// </summary>
public static class RunAggregation
{
    /// <summary>
    /// The run the verdicts are of, the accepted ones and why the others are left out; refused when the
    /// verdicts are of several runs or none is Accepted. Cheap, so -WhatIf gives the same refusals.
    /// </summary>
    public static (string RunId, IReadOnlyList<ContributionVerdict> Accepted, IReadOnlyList<string> LeftOut) Select(IReadOnlyList<ContributionVerdict> verdicts)
    {
        var runs = verdicts.Select(v => v.RunId).Distinct(StringComparer.Ordinal).ToList();
        if (runs.Count != 1)
        {
            throw new SwarmException("MergeRunsMixed",
                runs.Count == 0 ? "No verdict was given to merge." : $"The verdicts are of {runs.Count} runs ({string.Join(", ", runs)}); one merge is of one run.",
                "Merge the verdicts of one run at a time (Get-SwarmContribution -RunId <id> | Test-SwarmContribution | Merge-SwarmContribution).",
                SwarmErrorCategory.InvalidArgument);
        }

        var runId = runs[0];
        var accepted = verdicts.Where(v => v.Verdict == VerdictKind.Accepted).ToList();
        var leftOut = verdicts.Where(v => v.Verdict != VerdictKind.Accepted)
            .Select(v => $"{v.Contributor} is {v.Verdict}, so it is left out of the merge: {string.Join("; ", v.Reasons)}").ToList();
        if (accepted.Count == 0)
        {
            throw new SwarmException("MergeNoAcceptedContribution",
                $"None of the {verdicts.Count} contribution(s) of run {runId} is Accepted, so there is nothing to merge.",
                "Look at each verdict's Reasons; replay the ReplayRequired ones (Test-SwarmContribution -ReplayPath) or wait for more contributions.",
                SwarmErrorCategory.InvalidData, runId);
        }

        return (runId, accepted, leftOut);
    }

    public static RunAggregationOutcome Merge(
        string repositoryRoot,
        IReadOnlyList<ContributionVerdict> verdicts,
        AggregationMethod method,
        string outputPath,
        double? trimFraction,
        bool overwrite,
        CancellationToken cancellationToken = default)
    {
        var (runId, accepted, leftOut) = Select(verdicts);
        foreach (var verdict in accepted)
        {
            using var stream = File.OpenRead(verdict.AdapterPath);
            if (BlobDigest.Of(stream).ToString() != verdict.AdapterDigest)
            {
                throw new SwarmException("ContributionAdapterChanged",
                    $"The adapter of {verdict.Contributor} at {verdict.AdapterPath} is not the one that was validated ({verdict.AdapterDigest}).",
                    "Validate the contribution again (Test-SwarmContribution) before merging it.",
                    SwarmErrorCategory.InvalidData, verdict.AdapterPath);
            }
        }

        var record = TrainingRecord.Open(repositoryRoot, runId);
        double? alpha = method == AggregationMethod.Exact ? RunPlan.Resolve(record, given: null, repositoryRoot).Contract.Alpha : null;
        var receipt = AdapterMerge.Merge(
            accepted.Select(v => v.AdapterPath).ToArray(),
            accepted.Select(v => (double)v.ExampleCount).ToArray(),
            method, outputPath, alpha, trimFraction, overwrite, cancellationToken) with { RunId = runId };
        record.SaveAggregation(receipt);
        var ledger = TrainingLedger.Record(repositoryRoot, TrainingStep.Aggregation, runId, "sha256:" + receipt.OutputDigest, new Dictionary<string, string>
        {
            ["method"] = method.ToString(),
            ["inputs"] = string.Join(",", accepted.Select(v => $"{v.Contributor}={v.AdapterDigest}")),
            ["output_digest"] = "sha256:" + receipt.OutputDigest,
        }, succeeded: true);
        return new RunAggregationOutcome(receipt, leftOut, ledger.Notes);
    }
}
