using System.Collections;
using System.Collections.Specialized;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets.Scheduler;

/// <summary>
/// Turns PowerShell hashtables into the engine's axes and rows. A plain @{} hashtable has no order, so its
/// keys are sorted (the same sweep must give the same job key in every session); [ordered]@{} keeps yours.
/// </summary>
internal static class TaskSetArguments
{
    public static IEnumerable<(string Name, object?[] Values)> Entries(IDictionary? table)
    {
        if (table is null)
        {
            yield break;
        }

        var keys = table.Keys.Cast<object>().Select(k => PowerShellValues.Unwrap(k)?.ToString() ?? "");
        if (table is not IOrderedDictionary)
        {
            keys = keys.Order(StringComparer.Ordinal);
        }

        foreach (var key in keys.ToList())
        {
            yield return (key, Values(table[key]));
        }
    }

    public static IReadOnlyDictionary<string, object?> Row(IDictionary row) =>
        Entries(row).ToDictionary(e => e.Name, e => e.Values.Length == 1 ? e.Values[0] : string.Join(",", e.Values), StringComparer.Ordinal);

    /// <summary>For -Linspace / -Logspace: @{ x = start, stop, count }.</summary>
    public static (double Start, double Stop, int Count) Range(string name, object?[] values)
    {
        if (values.Length != 3)
        {
            throw new Engine.SwarmException(
                "TaskRangeInvalid",
                $"Range '{name}' needs three numbers (start, stop, count) but has {values.Length}.",
                "Write it as @{ " + name + " = 0, 1, 5 } (start, stop, count).",
                Engine.SwarmErrorCategory.InvalidArgument,
                name);
        }

        return (Convert.ToDouble(values[0], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToDouble(values[1], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt32(values[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static object?[] Values(object? value) => PowerShellValues.Unwrap(value) switch
    {
        null => new object?[] { null },
        string s => new object?[] { s },
        IEnumerable many => many.Cast<object?>().Select(PowerShellValues.Unwrap).ToArray(),
        var one => new[] { one },
    };
}
