using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>The publication gates: published only when every gate holds, and every failing gate named.</summary>
public sealed class PublicationDecisionTests
{
    private static readonly PublicationGates Gates = new() { MinimumAccepted = 2, MinimumReplayChecked = 1, MinimumLossImprovement = 0.05 };

    private static readonly PublicationEvidence Clean = new() { Accepted = 3, ReplayChecked = 1, BaseHeldOutLoss = 2.0, MergedHeldOutLoss = 1.9 };

    [Fact]
    public void Every_gate_holding_publishes_and_promotes_as_a_bounded_success()
    {
        var decision = PublicationDecision.Decide(Gates, Clean);

        Assert.Equal((MergeDisposition.Merged, PublishDisposition.Published, PromotionDisposition.Promoted, ResultClassification.BoundedSuccess),
            (decision.Merge, decision.Publish, decision.Promotion, decision.Result));
        Assert.Empty(decision.Reasons);
    }

    [Fact]
    public void Too_few_accepted_or_replayed_is_held_naming_each_count()
    {
        var decision = PublicationDecision.Decide(Gates, Clean with { Accepted = 1, ReplayChecked = 0 });

        Assert.Equal((PublishDisposition.Refused, PromotionDisposition.Held, ResultClassification.Refused, true), (decision.Publish, decision.Promotion, decision.Result, decision.Held));
        Assert.Equal(new[]
        {
            "1 contribution(s) accepted, the plan asks for at least 2",
            "0 contribution(s) checked by replay, the plan asks for at least 1",
        }, decision.Reasons);
    }

    [Theory]
    [InlineData(2.0, 1.96, "held-out loss 1.96 is not better than the base's 2 by the plan's margin 0.05")]
    [InlineData(2.0, 2.5, "held-out loss 2.5 is not better than the base's 2 by the plan's margin 0.05")]
    [InlineData(null, 1.0, "the held-out loss of the base and of the merged adapter was not measured")]
    public void A_merged_adapter_not_better_than_the_base_by_the_margin_is_refused_not_held(double? baseLoss, double merged, string reason)
    {
        var decision = PublicationDecision.Decide(Gates, Clean with { BaseHeldOutLoss = baseLoss, MergedHeldOutLoss = merged });

        Assert.Equal((PublishDisposition.Refused, false), (decision.Publish, decision.Held));
        Assert.Equal(new[] { reason }, decision.Reasons);
    }

    [Fact]
    public void A_standing_validator_finding_refuses_even_with_every_count_met()
    {
        var decision = PublicationDecision.Decide(Gates, Clean with { ValidatorFindings = new[] { "contrib-b: update norm 41.2 over the bound 10" } });

        Assert.Equal(PublishDisposition.Refused, decision.Publish);
        Assert.Equal(new[] { "validator finding: contrib-b: update norm 41.2 over the bound 10" }, decision.Reasons);
    }

    [Fact]
    public void Nothing_accepted_is_no_merge_and_a_failed_result()
    {
        var decision = PublicationDecision.Decide(Gates, Clean with { Accepted = 0, ReplayChecked = 0 });

        Assert.Equal((MergeDisposition.NoMerge, PublishDisposition.Refused, PromotionDisposition.Held, ResultClassification.Failed),
            (decision.Merge, decision.Publish, decision.Promotion, decision.Result));
    }
}
