using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// A table of parameter maps, one per task, held in its generating form: an optional explicit list of
/// rows crossed with zero or more axes. Task i is computed on demand (mixed radix, the last axis fastest),
/// so a million-task sweep costs the size of its axes, not a million dictionaries.
/// </summary>
public sealed class TaskSet
{
    /// <summary>Sweeps larger than this are refused: no scheduler takes them and the task file would be gigabytes.</summary>
    public const long MaxTasks = 10_000_000;

    private readonly string[][] _rows;     // explicit rows, values aligned with the first _rowWidth names
    private readonly int _rowWidth;
    private readonly TaskAxis[] _axes;
    private readonly long[] _strides;      // tasks per step of each axis
    private readonly string[] _names;

    private TaskSet(string[] rowNames, string[][] rows, TaskAxis[] axes)
    {
        _rows = rows;
        _rowWidth = rowNames.Length;
        _axes = axes;
        _names = rowNames.Concat(axes.Select(a => a.Name)).ToArray();
        CheckDuplicates(_names);

        long count = rows.Length == 0 ? 1 : rows.Length;
        var sizes = new List<string> { };
        if (rows.Length > 0)
        {
            sizes.Add($"{rows.Length} items");
        }

        foreach (var axis in axes)
        {
            sizes.Add($"{axis.Values.Count} {axis.Name}");
            count = count > MaxTasks ? count : count * axis.Values.Count;
        }

        if (count > MaxTasks)
        {
            throw new SwarmException(
                "TaskSetTooLarge",
                $"The sweep has {string.Join(" × ", sizes)} = {(count > MaxTasks * 1000 ? "over " + (MaxTasks * 1000).ToString("N0") : count.ToString("N0"))} tasks; the limit is {MaxTasks:N0}.",
                "Sample the space instead of crossing it (fewer values per axis, or an explicit list of chosen points), or split it into several task sets submitted one after another.",
                SwarmErrorCategory.InvalidArgument,
                string.Join(",", _names));
        }

        Count = count;
        _strides = new long[axes.Length];
        long stride = 1;
        for (var i = axes.Length - 1; i >= 0; i--)
        {
            _strides[i] = stride;
            stride *= axes[i].Values.Count;
        }

        Fingerprint = ComputeFingerprint();
    }

    public IReadOnlyList<string> ParameterNames => _names;

    /// <summary>The explicit list's column names (the first parameters), empty for a pure product.</summary>
    public IReadOnlyList<string> RowNames => _names[.._rowWidth];

    /// <summary>The explicit list's rows, values aligned with <see cref="RowNames"/>: the generating form a campaign intent records.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    /// <summary>The axes crossed with the rows, in order (the last varies fastest).</summary>
    public IReadOnlyList<TaskAxis> Axes => _axes;

    public long Count { get; }

    /// <summary>SHA-256 over the generating form (names, rows, axis values): the same sweep gives the same key.</summary>
    public string Fingerprint { get; }

    /// <summary>Kind of generator, for display: "list", "product", "list × product".</summary>
    public string Shape => (_rows.Length > 0, _axes.Length > 0) switch
    {
        (true, true) => "list × product",
        (true, false) => "list",
        _ => "product",
    };

    /// <summary>A cartesian product of named axes.</summary>
    public static TaskSet Product(IEnumerable<TaskAxis> axes)
    {
        var list = axes.ToArray();
        if (list.Length == 0)
        {
            throw Empty("No axes were given.");
        }

        return new TaskSet(Array.Empty<string>(), Array.Empty<string[]>(), list);
    }

    /// <summary>An explicit list of tasks; every task must name the same parameters.</summary>
    public static TaskSet FromList(IEnumerable<IReadOnlyDictionary<string, object?>> tasks) => Create(tasks, Array.Empty<TaskAxis>());

    /// <summary>Items × seeds: each listed task runs once per seed.</summary>
    public static TaskSet ItemsBySeeds(IEnumerable<IReadOnlyDictionary<string, object?>> items, TaskAxis seeds) => Create(items, new[] { seeds });

    /// <summary>The general form: explicit rows (may be empty) crossed with axes (may be empty), not both empty.</summary>
    public static TaskSet Create(IEnumerable<IReadOnlyDictionary<string, object?>>? rows, IEnumerable<TaskAxis> axes)
    {
        var rowList = rows?.ToList() ?? new List<IReadOnlyDictionary<string, object?>>();
        var axisList = axes.ToArray();
        if (rowList.Count == 0 && axisList.Length == 0)
        {
            throw Empty("Neither tasks nor axes were given.");
        }

        string[] names = Array.Empty<string>();
        var table = new string[rowList.Count][];
        for (var r = 0; r < rowList.Count; r++)
        {
            var row = rowList[r];
            if (r == 0)
            {
                names = row.Keys.ToArray();
                foreach (var name in names)
                {
                    TaskAxis.ValidateName(name);
                }

                CheckDuplicates(names);
            }
            else if (row.Count != names.Length || names.Any(n => !row.ContainsKey(n)))
            {
                throw new SwarmException(
                    "TaskListInconsistent",
                    $"Task {r} has parameters [{string.Join(", ", row.Keys)}] but task 0 has [{string.Join(", ", names)}].",
                    "Give every task in the list the same parameter names (use an empty string for 'not set').",
                    SwarmErrorCategory.InvalidArgument,
                    r);
            }

            table[r] = new string[names.Length];
            for (var c = 0; c < names.Length; c++)
            {
                var value = TaskAxis.FormatValue(row[names[c]]);
                TaskValueRule.Check(names[c], value);
                table[r][c] = value;
            }
        }

        if (rowList.Count > 0 && names.Length == 0)
        {
            throw Empty("The listed tasks have no parameters.");
        }

        return new TaskSet(names, table, axisList);
    }

    /// <summary>The value of one parameter of one task, computed from the generating form.</summary>
    public string GetValue(long task, int parameter)
    {
        if ((ulong)task >= (ulong)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(task), task, $"Task index must be 0..{Count - 1}.");
        }

        var axesSpan = _axes.Length == 0 ? 1 : _strides[0] * _axes[0].Values.Count;
        if (parameter < _rowWidth)
        {
            return _rows[task / axesSpan][parameter];
        }

        var axis = parameter - _rowWidth;
        var within = task % axesSpan;
        return _axes[axis].Values[(int)(within / _strides[axis] % _axes[axis].Values.Count)];
    }

    /// <summary>One task as a name → value map (for display and tests; the job path never builds these).</summary>
    public IReadOnlyDictionary<string, string> GetTask(long task)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var p = 0; p < _names.Length; p++)
        {
            map[_names[p]] = GetValue(task, p);
        }

        return map;
    }

    private string ComputeFingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            hash.AppendData(new byte[] { 0 });
        }

        Add("swarm-taskset-v1");
        foreach (var name in _names)
        {
            Add(name);
        }

        Add("rows:" + _rows.Length);
        foreach (var row in _rows)
        {
            foreach (var value in row)
            {
                Add(value);
            }
        }

        foreach (var axis in _axes)
        {
            Add("axis:" + axis.Name + ":" + axis.Values.Count);
            foreach (var value in axis.Values)
            {
                Add(value);
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static void CheckDuplicates(IEnumerable<string> names)
    {
        // Case-insensitive: PowerShell hashtables are, and SWARM_KW_ names are upper-cased.
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new SwarmException(
                "TaskParameterDuplicate",
                $"Parameter '{duplicate.Key}' is named more than once (names are compared without case: {string.Join(", ", duplicate)}).",
                "Give each axis and list column its own name.",
                SwarmErrorCategory.InvalidArgument,
                duplicate.Key);
        }
    }

    private static SwarmException Empty(string what) => new(
        "TaskSetEmpty",
        $"The task set is empty: {what}",
        "Give at least one axis (-Axis @{lr=0.1,0.01}) or a list of tasks (-Tasks).",
        SwarmErrorCategory.InvalidArgument);
}
