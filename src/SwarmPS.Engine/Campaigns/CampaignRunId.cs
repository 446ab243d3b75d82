using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// The operator-chosen id of one federated launch, the same on every site. It feeds mailbox ids, run
/// directories and file names, so it is kept to a shape that is safe in all three.
/// </summary>
public static partial class CampaignRunId
{
    public const string Pattern = "^[a-z0-9][a-z0-9._-]{0,62}$";

    public static bool IsValid(string? runId) => runId is not null && Shape().IsMatch(runId);

    /// <summary>Returns the run id unchanged, or throws <c>RunIdInvalid</c> naming the rule.</summary>
    public static string Validate(string? runId)
    {
        if (IsValid(runId))
        {
            return runId!;
        }

        throw new SwarmException(
            "RunIdInvalid",
            $"Run id '{runId}' is not valid: it must be 1 to 63 characters of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.",
            "Choose a run id such as 'demo-001' and use the same one on every site of this launch.",
            SwarmErrorCategory.InvalidArgument,
            runId);
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
