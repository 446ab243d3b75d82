namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// Thrown (ErrorId <c>CampaignInvalid</c>) by <see cref="CampaignValidator.EnsureValid"/> when a
/// command needs a campaign that can run. The message lists every error, not just the first, so one
/// edit pass fixes the file.
/// </summary>
public sealed class CampaignInvalidException : SwarmException
{
    public CampaignInvalidException(Campaign campaign, IReadOnlyList<CampaignFinding> errors)
        : base(
            "CampaignInvalid",
            $"Campaign '{campaign.Name}'{(campaign.Source.Length > 0 ? $" ({campaign.Source})" : "")} has {errors.Count} error(s):"
                + string.Concat(errors.Select(error => $"{System.Environment.NewLine}  {error}")),
            "Fix each error listed (Test-SwarmCampaign shows them with their locations), then run the command again.",
            SwarmErrorCategory.InvalidData,
            campaign)
    {
        Findings = errors;
    }

    public IReadOnlyList<CampaignFinding> Findings { get; }
}
