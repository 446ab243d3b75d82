using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Ledger;

/// <summary>The name runs are grouped under and findings cite batches by.</summary>
public static partial class ExperimentName
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$";

    public static bool IsValid(string? name) => name is not null && Shape().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    public static string Validate(string? name)
    {
        if (IsValid(name))
        {
            return name!;
        }

        throw new SwarmException(
            "ExperimentNameInvalid",
            $"Experiment name '{name}' is not valid: use 1 to 128 letters, digits, '.', '_', '-' or '/', starting with a letter or digit, without '..'.",
            "Choose a name such as 'lr-sweep' or 'ablation/no-dropout'.",
            SwarmErrorCategory.InvalidArgument,
            name);
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
