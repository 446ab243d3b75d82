using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// One limit a campaign was planned to stay within: an amount of a unit, such as <c>500 core-hours</c> or
/// <c>12 wall-hours</c>. The units are a closed list so that budgets of different campaigns compare.
/// </summary>
public sealed partial record IntentBudget(double Amount, string Unit)
{
    /// <summary>The units a budget may be in: compute (core, GPU, node hours) and elapsed time.</summary>
    public static IReadOnlyList<string> Units { get; } = ["core-hours", "gpu-hours", "node-hours", "wall-hours"];

    /// <summary>Reads "500 core-hours" (or "500core-hours"); anything else is <c>IntentBudgetInvalid</c> listing the units.</summary>
    public static IntentBudget Parse(string text)
    {
        var match = BudgetPattern().Match(text ?? "");
        if (match.Success
            && double.TryParse(match.Groups["amount"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
            && double.IsFinite(amount) && amount > 0
            && Units.Contains(match.Groups["unit"].Value.ToLowerInvariant()))
        {
            return new IntentBudget(amount, match.Groups["unit"].Value.ToLowerInvariant());
        }

        throw Invalid(text);
    }

    /// <summary>A budget as read from an intent file: the same rules as <see cref="Parse"/>.</summary>
    internal static IntentBudget Of(double amount, string unit) =>
        double.IsFinite(amount) && amount > 0 && Units.Contains(unit)
            ? new IntentBudget(amount, unit)
            : throw Invalid($"{amount.ToString(CultureInfo.InvariantCulture)} {unit}");

    public override string ToString() => $"{Amount.ToString(CultureInfo.InvariantCulture)} {Unit}";

    private static SwarmException Invalid(string? text) => new(
        "IntentBudgetInvalid",
        $"The budget '{text}' is not a positive number followed by one of the units {string.Join(", ", Units)}.",
        "Write it as an amount and a unit, e.g. -Budget '500 core-hours', '12 wall-hours' (several budgets may be given).",
        SwarmErrorCategory.InvalidArgument,
        text);

    [GeneratedRegex(@"^\s*(?<amount>[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)\s*(?<unit>[A-Za-z-]+)\s*$")]
    private static partial Regex BudgetPattern();
}
