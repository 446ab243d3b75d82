using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// How a campaign's tasks were generated, in the task set's own generating form: an explicit list of rows
/// (<see cref="Columns"/> × <see cref="Rows"/>) crossed with axes. From it the task set is rebuilt exactly
/// (same count, same fingerprint), and a run's parameters are known to be one of its tasks or not:
/// a task is a row of the list combined with one value of each axis, nothing else.
/// </summary>
public sealed class IntentGenerator
{
    private readonly HashSet<string> _rowKeys;        // each row's values as the ledger compares them, joined
    private readonly HashSet<string>[] _axisKeys;     // each axis's values as the ledger compares them

    public IntentGenerator(string name, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, IReadOnlyList<IntentAxis> axes)
    {
        Name = name;
        Columns = columns;
        Rows = rows;
        Axes = axes;
        ParameterNames = columns.Concat(axes.Select(a => a.Name)).ToList();
        _rowKeys = rows.Select(RowKey).ToHashSet(StringComparer.Ordinal);
        _axisKeys = axes.Select(a => a.Values.Select(LedgerComparable.Key).ToHashSet(StringComparer.Ordinal)).ToArray();
    }

    /// <summary>What made the task set, as the user names it (a script, a notebook); New-SwarmTaskSet by default.</summary>
    public string Name { get; }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<IReadOnlyList<string>> Rows { get; }

    public IReadOnlyList<IntentAxis> Axes { get; }

    /// <summary>The explicit list's columns, then the axes' names: the task set's parameter names.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>"list", "product" or "list × product", as <see cref="TaskSet.Shape"/> says.</summary>
    public string Shape => (Rows.Count > 0, Axes.Count > 0) switch
    {
        (true, true) => "list × product",
        (true, false) => "list",
        _ => "product",
    };

    public static IntentGenerator From(TaskSet tasks, string name) => new(
        name,
        tasks.RowNames.ToList(),
        tasks.Rows.Select(row => (IReadOnlyList<string>)row.ToList()).ToList(),
        tasks.Axes.Select(axis => new IntentAxis(axis.Name, axis.Values.ToList())).ToList());

    /// <summary>The task set this generator describes; its count and fingerprint are those of the original.</summary>
    public TaskSet ToTaskSet()
    {
        var rows = Rows.Select(row => (IReadOnlyDictionary<string, object?>)Columns
            .Select((column, c) => (column, value: (object?)row[c]))
            .ToDictionary(p => p.column, p => p.value, StringComparer.Ordinal));
        return TaskSet.Create(rows, Axes.Select(axis => TaskAxis.Of(axis.Name, axis.Values)));
    }

    /// <summary>
    /// Whether <paramref name="parameters"/> (name → value, as a ledger statepoint shows them) is one of the
    /// tasks: the same names, the list columns one of the rows, each axis one of its values, every value
    /// compared as <see cref="LedgerComparable"/> says (the ledger's text is scrubbed).
    /// </summary>
    public bool Contains(IReadOnlyDictionary<string, string> parameters)
    {
        if (parameters.Count != ParameterNames.Count || ParameterNames.Any(n => !parameters.ContainsKey(n)))
        {
            return false;
        }

        for (var a = 0; a < Axes.Count; a++)
        {
            var value = parameters[Axes[a].Name];
            if (!LedgerComparable.IsRedacted(value) && !_axisKeys[a].Contains(LedgerComparable.Key(value)))
            {
                return false;
            }
        }

        if (Columns.Count == 0)
        {
            return true;
        }

        var row = Columns.Select(c => parameters[c]).ToList();
        return row.Any(LedgerComparable.IsRedacted)
            ? Rows.Any(candidate => candidate.Zip(row).All(pair => LedgerComparable.Same(pair.First, pair.Second)))
            : _rowKeys.Contains(RowKey(row));
    }

    /// <summary>Every value one parameter takes in the task set, distinct, in first-seen order.</summary>
    public IReadOnlyList<string> ValuesOf(string parameter)
    {
        var column = Columns.ToList().IndexOf(parameter);
        if (column >= 0)
        {
            return Rows.Select(row => row[column]).Distinct(StringComparer.Ordinal).ToList();
        }

        return Axes.FirstOrDefault(a => a.Name == parameter)?.Values.Distinct(StringComparer.Ordinal).ToList() ?? (IReadOnlyList<string>)[];
    }

    // A value holds no NUL (TaskValueRule), so NUL separates the values of a row unambiguously.
    private static string RowKey(IReadOnlyList<string> row) => string.Join('\0', row.Select(LedgerComparable.Key));
}
