using System.Globalization;

namespace SwarmPS.Engine.Training;

/// <summary>Whether an aggregation was made from at least one accepted contribution.</summary>
public enum MergeDisposition { Merged, NoMerge }

/// <summary>Whether the snapshot was written: only when every gate held.</summary>
public enum PublishDisposition { Published, Refused }

/// <summary>Whether the published snapshot becomes the campaign's current one; held whenever it was not published.</summary>
public enum PromotionDisposition { Promoted, Held }

/// <summary>How the run's result is reported: a bounded success (published under its gates), refused, or failed (nothing to merge).</summary>
public enum ResultClassification { BoundedSuccess, Refused, Failed }

/// <summary>
/// The gates applied to the evidence, as the runbook records them: the four dispositions and every reason a
/// gate did not hold. <see cref="Held"/> says the refusal is one more evidence could lift (too few accepted or
/// replay-checked contributions), as opposed to evidence against publishing (findings, a loss not better).
/// A gate that cannot be judged (a held-out loss not measured) does not hold: nothing is published on
/// evidence that was not gathered.
/// </summary>
public sealed record PublicationDecision(
    MergeDisposition Merge,
    PublishDisposition Publish,
    PromotionDisposition Promotion,
    ResultClassification Result,
    bool Held,
    IReadOnlyList<string> Reasons)
{
    public static PublicationDecision Decide(PublicationGates gates, PublicationEvidence evidence)
    {
        if (evidence.Accepted == 0)
        {
            return new(MergeDisposition.NoMerge, PublishDisposition.Refused, PromotionDisposition.Held, ResultClassification.Failed, Held: false,
                new[] { "no contribution was accepted, so there is nothing to merge" });
        }

        var tooFew = new List<string>();
        var against = new List<string>();
        if (evidence.Accepted < gates.MinimumAccepted)
        {
            tooFew.Add($"{evidence.Accepted} contribution(s) accepted, the plan asks for at least {gates.MinimumAccepted}");
        }

        if (evidence.ReplayChecked < gates.MinimumReplayChecked)
        {
            tooFew.Add($"{evidence.ReplayChecked} contribution(s) checked by replay, the plan asks for at least {gates.MinimumReplayChecked}");
        }

        against.AddRange(evidence.ValidatorFindings.Select(finding => $"validator finding: {finding}"));
        if (evidence.BaseHeldOutLoss is not { } baseLoss || evidence.MergedHeldOutLoss is not { } mergedLoss)
        {
            against.Add("the held-out loss of the base and of the merged adapter was not measured");
        }
        else if (baseLoss - mergedLoss < gates.MinimumLossImprovement)
        {
            against.Add(string.Create(CultureInfo.InvariantCulture,
                $"held-out loss {mergedLoss:G6} is not better than the base's {baseLoss:G6} by the plan's margin {gates.MinimumLossImprovement:G6}"));
        }

        var reasons = tooFew.Concat(against).ToList();
        return reasons.Count == 0
            ? new(MergeDisposition.Merged, PublishDisposition.Published, PromotionDisposition.Promoted, ResultClassification.BoundedSuccess, Held: false, reasons)
            : new(MergeDisposition.Merged, PublishDisposition.Refused, PromotionDisposition.Held, ResultClassification.Refused, Held: against.Count == 0, reasons);
    }
}
