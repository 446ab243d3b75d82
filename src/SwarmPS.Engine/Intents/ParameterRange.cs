namespace SwarmPS.Engine.Intents;

/// <summary>
/// The values one parameter took in the task sets of the campaigns made by one generator: the smallest
/// and largest when every value is a number, otherwise the distinct values (at most
/// <see cref="IntentRollup.MaxListedValues"/> listed, in ordinal order; <see cref="DistinctValues"/> counts all).
/// </summary>
public sealed record ParameterRange(string Generator, string Parameter, int Campaigns, bool Numeric, double? Min, double? Max, int DistinctValues, IReadOnlyList<string> Values);
