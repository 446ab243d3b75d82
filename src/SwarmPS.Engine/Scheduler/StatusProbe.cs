using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Asks one site about every tracked array in ONE shell round trip: the adapter's scheduler queries
/// (squeue + sacct, qstat -xml + qacct, qstat -x -f -F json) and a listing of the per-task status files,
/// joined in one bash script whose output is cut into sections by marker lines. Over SSH this is one
/// connection use per poll, however many jobs and tasks are tracked. A dropped link is retried, then
/// reported as SiteUnreachable.
/// </summary>
public sealed class StatusProbe
{
    private const string Begin = "@@swarm-probe";
    private const string StepMarker = "@@swarm-step ";
    private const string RcMarker = "@@swarm-rc ";
    private const string FilesMarker = "@@swarm-files ";
    private const string End = "@@swarm-end";

    private readonly IReadOnlyList<TimeSpan> _retryDelays;

    public StatusProbe(IReadOnlyList<TimeSpan>? retryDelays = null)
    {
        _retryDelays = retryDelays ?? new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15) };
    }

    public static string BuildScript(IReadOnlyList<ProbeStep> steps, IReadOnlyList<string> statusDirectories)
    {
        var script = new StringBuilder();
        script.Append("printf '%s\\n' '").Append(Begin).Append("'\n");
        foreach (var step in steps)
        {
            AppendStep(script, step);
        }

        for (var i = 0; i < statusDirectories.Count; i++)
        {
            script.Append("printf '\\n%s%s\\n' '").Append(FilesMarker).Append("' ").Append(i).Append('\n');
            script.Append("( cd ").Append(PosixQuoting.Quote(statusDirectories[i]))
                .Append(" 2>/dev/null && { find . -name '*.exit' -exec grep -H '' {} + ; find . -name '*.start'; } )\n");
        }

        script.Append("printf '\\n%s\\n' '").Append(End).Append("'\n");
        return script.ToString();
    }

    /// <summary>Runs the probe once per call; retries a dropped link, never a scheduler error.</summary>
    public async Task<ProbeResult> RunAsync(
        ISiteShell shell,
        string siteName,
        IReadOnlyList<ProbeStep> steps,
        IReadOnlyList<string> statusDirectories,
        CancellationToken cancellationToken)
    {
        var command = new ShellCommand("bash", "-c", BuildScript(steps, statusDirectories)) { Timeout = TimeSpan.FromMinutes(2) };
        string? lastProblem = null;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
                if (result.StandardOutput.Contains(End, StringComparison.Ordinal))
                {
                    return Parse(result.StandardOutput, statusDirectories.Count);
                }

                lastProblem = result.TimedOut
                    ? "the status query timed out"
                    : $"the connection ended before the status query finished (exit {result.ExitCode}: {FirstLine(result.StandardError)})";
            }
            catch (SwarmException error) when (error.Category is SwarmErrorCategory.ConnectionError or SwarmErrorCategory.ResourceUnavailable)
            {
                lastProblem = error.Message;
            }

            if (attempt >= _retryDelays.Count)
            {
                throw new SwarmException(
                    "SiteUnreachable",
                    $"Could not ask site '{siteName}' ({shell.Target}) for job status after {attempt + 1} tries: {lastProblem}.",
                    "Check the link with Test-SwarmSite (VPN, MFA session, login host up), then run Get-SwarmJob again; nothing was lost, the jobs keep running on the site.",
                    SwarmErrorCategory.ConnectionError,
                    siteName);
            }

            await Task.Delay(_retryDelays[attempt], cancellationToken).ConfigureAwait(false);
        }
    }

    internal static ProbeResult Parse(string output, int directoryCount)
    {
        var steps = new Dictionary<string, ProbeOutput>(StringComparer.Ordinal);
        var files = new List<TaskFileStatus>();
        for (var i = 0; i < directoryCount; i++)
        {
            files.Add(new TaskFileStatus());
        }

        string? step = null;
        var text = new StringBuilder();
        var filesIndex = -1;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(StepMarker, StringComparison.Ordinal))
            {
                step = line[StepMarker.Length..];
                text.Clear();
                filesIndex = -1;
            }
            else if (line.StartsWith(RcMarker, StringComparison.Ordinal) && step is not null)
            {
                _ = int.TryParse(line[RcMarker.Length..], out var rc);
                steps[step] = new ProbeOutput(text.ToString(), rc);
                step = null;
            }
            else if (line.StartsWith(FilesMarker, StringComparison.Ordinal))
            {
                filesIndex = int.Parse(line[FilesMarker.Length..]);
            }
            else if (line == End)
            {
                break;
            }
            else if (step is not null)
            {
                text.Append(line).Append('\n');
            }
            else if (filesIndex >= 0 && line.StartsWith("./", StringComparison.Ordinal))
            {
                files[filesIndex].Add(line);
            }
        }

        return new ProbeResult(steps, files);
    }

    private static void AppendStep(StringBuilder script, ProbeStep step)
    {
        script.Append("printf '\\n%s%s\\n' '").Append(StepMarker).Append("' ").Append(PosixQuoting.Quote(step.Name)).Append('\n');
        script.Append("{ ").Append(step.Script).Append("\n} 2>&1 </dev/null; swarm_rc=$?\n");
        script.Append("printf '\\n%s%s\\n' '").Append(RcMarker).Append("' \"$swarm_rc\"\n");
        if (step.Fallback is not null)
        {
            script.Append("if [ \"$swarm_rc\" -ne 0 ]; then\n");
            AppendStep(script, step.Fallback);
            script.Append("fi\n");
        }
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no error output";
}

/// <summary>The probe's answer: each step's output by name, and the status files of each attempt directory.</summary>
public sealed record ProbeResult(IReadOnlyDictionary<string, ProbeOutput> Steps, IReadOnlyList<TaskFileStatus> Files);

/// <summary>Exit codes and start marks found in one attempt's status/ directory.</summary>
public sealed class TaskFileStatus
{
    public Dictionary<long, int> ExitCodes { get; } = new();

    public HashSet<long> Started { get; } = new();

    /// <summary>Reads "./&lt;task&gt;.exit:&lt;code&gt;" (grep -H) or "./&lt;task&gt;.start" (find).</summary>
    internal void Add(string line)
    {
        var colon = line.IndexOf(':');
        var name = colon < 0 ? line[2..] : line[2..colon];
        var dot = name.IndexOf('.');
        if (dot < 0 || !long.TryParse(name[..dot], out var task))
        {
            return;
        }

        var kind = name[(dot + 1)..];
        if (kind == "exit" && colon > 0 && int.TryParse(line[(colon + 1)..].Trim(), out var code))
        {
            ExitCodes[task] = code;
        }
        else if (kind == "start")
        {
            Started.Add(task);
        }
    }
}
