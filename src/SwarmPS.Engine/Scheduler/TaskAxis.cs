using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// One named dimension of a sweep and its values, already formatted as the strings a task receives
/// (numbers in invariant culture, round-trippable). Built by the generators below.
/// </summary>
public sealed partial class TaskAxis
{
    private TaskAxis(string name, string[] values)
    {
        Name = name;
        Values = values;
    }

    public string Name { get; }

    public IReadOnlyList<string> Values { get; }

    /// <summary>An axis of explicit values (numbers, strings, anything with a ToString).</summary>
    public static TaskAxis Of(string name, IEnumerable<object?> values)
    {
        ValidateName(name);
        var formatted = values.Select(FormatValue).ToArray();
        if (formatted.Length == 0)
        {
            throw new SwarmException(
                "TaskAxisEmpty",
                $"Axis '{name}' has no values.",
                "Give the axis at least one value, or leave it out.",
                SwarmErrorCategory.InvalidArgument,
                name);
        }

        foreach (var value in formatted)
        {
            TaskValueRule.Check(name, value);
        }

        return new TaskAxis(name, formatted);
    }

    /// <summary><paramref name="count"/> evenly spaced values from start to stop, both included.</summary>
    public static TaskAxis Linspace(string name, double start, double stop, int count)
    {
        ValidateName(name);
        CheckRange(name, start, stop, count);
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            // The last value is exactly stop, not start + n*step with its rounding error.
            var value = i == count - 1 && count > 1 ? stop : start + (i * (stop - start) / Math.Max(1, count - 1));
            values[i] = FormatNumber(value);
        }

        return new TaskAxis(name, values);
    }

    /// <summary>
    /// <paramref name="count"/> values spaced evenly on a log scale: base^startExponent .. base^stopExponent
    /// (numpy.logspace semantics).
    /// </summary>
    public static TaskAxis Logspace(string name, double startExponent, double stopExponent, int count, double @base = 10)
    {
        ValidateName(name);
        CheckRange(name, startExponent, stopExponent, count);
        if (!double.IsFinite(@base) || @base <= 0 || @base == 1)
        {
            throw new SwarmException(
                "TaskRangeInvalid",
                $"Axis '{name}': the logspace base {FormatNumber(@base)} is not a finite number above 0 other than 1.",
                "Use base 10 (the default), 2 or e.",
                SwarmErrorCategory.InvalidArgument,
                name);
        }

        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            var exponent = i == count - 1 && count > 1 ? stopExponent : startExponent + (i * (stopExponent - startExponent) / Math.Max(1, count - 1));
            var value = Math.Pow(@base, exponent);
            if (!double.IsFinite(value))
            {
                throw new SwarmException(
                    "TaskRangeInvalid",
                    $"Axis '{name}': {FormatNumber(@base)}^{FormatNumber(exponent)} overflows a double.",
                    "Use smaller exponents.",
                    SwarmErrorCategory.InvalidArgument,
                    name);
            }

            values[i] = FormatNumber(value);
        }

        return new TaskAxis(name, values);
    }

    /// <summary>Seeds first, first+1, ..., for items × seeds sweeps.</summary>
    public static TaskAxis Seeds(int count, long first = 0, string name = "seed")
    {
        ValidateName(name);
        if (count < 1)
        {
            throw new SwarmException(
                "TaskRangeEmpty",
                $"Asked for {count} seeds.",
                "Ask for at least one seed (-Seeds 5 gives seeds 0..4).",
                SwarmErrorCategory.InvalidArgument,
                name);
        }

        return new TaskAxis(name, Enumerable.Range(0, count).Select(i => (first + i).ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Parameter names become SWARM_KW_&lt;NAME&gt; variables, so they must be shell identifiers.</summary>
    internal static void ValidateName(string name)
    {
        if (!IdentifierPattern().IsMatch(name ?? ""))
        {
            throw new SwarmException(
                "TaskParameterNameInvalid",
                $"Parameter name '{name}' is not usable as an environment variable name.",
                "Use letters, digits and '_', starting with a letter or '_' (e.g. lr, depth, n_layers).",
                SwarmErrorCategory.InvalidArgument,
                name);
        }
    }

    internal static string FormatValue(object? value) => value switch
    {
        null => "",
        double d => FormatNumber(d),
        float f => FormatNumber(f),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    internal static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new SwarmException(
                "TaskRangeInvalid",
                $"The value {value} is not a finite number.",
                "Use finite numbers (no NaN or Infinity) in sweeps.",
                SwarmErrorCategory.InvalidArgument,
                value);
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static void CheckRange(string name, double start, double stop, int count)
    {
        if (!double.IsFinite(start) || !double.IsFinite(stop))
        {
            throw new SwarmException(
                "TaskRangeInvalid",
                $"Axis '{name}': the range {start} .. {stop} is not finite.",
                "Give finite start and stop values (no NaN or Infinity).",
                SwarmErrorCategory.InvalidArgument,
                name);
        }

        if (count < 1)
        {
            throw new SwarmException(
                "TaskRangeEmpty",
                $"Axis '{name}': a range of {count} values is empty.",
                "Ask for at least one value (-Count 1 or more).",
                SwarmErrorCategory.InvalidArgument,
                name);
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex IdentifierPattern();
}
