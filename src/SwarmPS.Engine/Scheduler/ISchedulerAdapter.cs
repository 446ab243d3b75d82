using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// What differs between batch systems: how to submit one array with its dependency, how to ask for the
/// state of many jobs in one round trip, how to cancel, and how to read the answers. Adapters build
/// commands and parse text; they never run anything, so every one is testable against recorded output.
/// </summary>
public interface ISchedulerAdapter
{
    SchedulerKind Kind { get; }

    /// <summary>
    /// The scheduler's programs that this adapter's commands and status steps run on the site (submit,
    /// status, accounting, cancel, the array-limit query), so preflight (Test-SwarmSite) checks exactly
    /// these are on PATH. The POSIX shell and its tools, which every site has, are not listed; the local
    /// pool needs no scheduler program at all. A test runs every command of each adapter against a PATH
    /// that holds only these and fails on any program missing from the list.
    /// </summary>
    IReadOnlyList<string> RequiredCommands { get; }

    /// <summary>The command that submits one array. Its output is read by <see cref="ParseSubmitted"/>.</summary>
    ShellCommand BuildSubmit(ArraySubmission submission);

    /// <summary>The scheduler job id from a submit command's result; a SwarmException naming the scheduler's message if it failed.</summary>
    string ParseSubmitted(ShellResult result, ArraySubmission submission);

    /// <summary>
    /// Scripts the adapter's submit commands run, staged beside the job script of each attempt (path and
    /// text, written owner-only and executable). A batch system runs the job script itself and needs none.
    /// </summary>
    IReadOnlyList<(string Path, string Text)> SupportScripts(JobLayout layout) => [];

    /// <summary>A command that prints the scheduler's array size limit, or null where there is none to ask.</summary>
    ShellCommand? BuildArrayLimitQuery();

    /// <summary>The most tasks one array may hold under the limit the query printed; null if not found.</summary>
    int? ParseArrayLimit(string output);

    /// <summary>
    /// The status query for all tracked arrays of one site, as named steps of one shell script (run in a
    /// single round trip by <see cref="StatusProbe"/>). A step may name a fallback that runs only if it fails.
    /// </summary>
    IReadOnlyList<ProbeStep> BuildStatusSteps(IReadOnlyList<TrackedArray> arrays);

    /// <summary>Reads the steps' output into the snapshot. Unknown fields and lines are skipped, not fatal.</summary>
    void ParseStatus(IReadOnlyDictionary<string, ProbeOutput> outputs, IReadOnlyList<TrackedArray> arrays, SchedulerSnapshot snapshot);

    /// <summary>
    /// Whether this scheduler says why a task ended (killed at its walltime, out of memory), so a task whose
    /// exit file shows a failure is reported once the scheduler has ended it too, with its cause. The local
    /// pool knows no more than the exit code.
    /// </summary>
    bool NamesFailureCauses => true;

    /// <summary>One command that cancels all the given arrays.</summary>
    ShellCommand BuildCancel(IReadOnlyList<TrackedArray> arrays);
}

/// <summary>One array ready to submit: its plan, its place on the site, and the job ids it waits for.</summary>
public sealed record ArraySubmission(JobPlan Plan, PlannedArray Array, JobLayout Layout, IReadOnlyList<string> DependsOn)
{
    /// <summary>Always set (SGE needs -N; every scheduler shows it): swarm-&lt;key&gt;-a&lt;attempt&gt;-w&lt;wave&gt;-&lt;array&gt;.</summary>
    public string Name => $"swarm-{Plan.Key}-a{Layout.Attempt}-w{Array.Wave}-{Array.Index}";

    /// <summary>Array indices of the arrays of the previous wave (the local pool waits on their markers).</summary>
    public IReadOnlyList<int> DependsOnArrays { get; init; } = System.Array.Empty<int>();
}

/// <summary>An array job known to the scheduler, with where its files are.</summary>
public sealed record TrackedArray(string JobId, JobLayout Layout, int ArrayIndex, int Count);

/// <summary>
/// A named piece of a status script; <see cref="Fallback"/> runs only when it ends non-zero. Steps run in
/// one shell, one after another (so a step may leave a variable for the next); a step must not call exit.
/// </summary>
public sealed record ProbeStep(string Name, string Script, ProbeStep? Fallback = null)
{
    /// <summary>A step that runs one argv, quoted for the shell.</summary>
    public static ProbeStep Command(string name, IEnumerable<string> argv, ProbeStep? fallback = null) =>
        new(name, PosixQuoting.Join(argv), fallback);
}

/// <summary>What one probe step printed (stdout and stderr together) and its exit code.</summary>
public sealed record ProbeOutput(string Text, int ExitCode);
