using System.Globalization;

namespace SwarmPS.Engine.Training;

/// <summary>
/// A contributor given as a table of keys (New-SwarmTrainingPlan's <c>-Contributor @{ id = 'c1'; site = 'alpha'; ... }</c>):
/// exactly the plan file's keys, id, site, backend, device and shard, in any case. A key that is not one of
/// them is refused by name, so a misspelt <c>sahrd</c> never leaves a contributor without its shard; the
/// values themselves are the plan reader's to judge.
/// </summary>
public static class PlanContributorEntry
{
    public static readonly IReadOnlyList<string> Keys = new[] { "id", "site", "backend", "device", "shard" };

    /// <summary>The contributor <paramref name="entry"/> names; <paramref name="index"/> (0-based) places it in refusals.</summary>
    public static PlanContributor From(IReadOnlyDictionary<string, object?> entry, int index)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in entry)
        {
            if (!Keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw Invalid(index, $"has the key '{key}', which a contributor does not have", $"Use only the keys {string.Join(", ", Keys)}.");
            }

            values[key] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        }

        var missing = Keys.Where(key => !values.ContainsKey(key)).ToList();
        if (missing.Count > 0)
        {
            throw Invalid(index, $"has no {string.Join(", ", missing)}", "Give every contributor all five keys: @{ id = 'c1'; site = 'alpha'; backend = 'dotnet.cpu'; device = 'cpu:0'; shard = 'shard-0' }.");
        }

        return new PlanContributor(values["id"], values["site"], values["backend"], values["device"], values["shard"]);
    }

    private static SwarmException Invalid(int index, string problem, string remediation) =>
        new("TrainingPlanContributorInvalid", $"Contributor {index + 1} {problem}.", remediation, SwarmErrorCategory.InvalidArgument, $"contributors[{index}]");
}
