using System.Globalization;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Everything a site launch records, in one place: each happening becomes an events.jsonl line, a
/// status.json change and, where an operator would want to see it, a landmark line
/// (<c>[site alpha] agent ping exited 0</c>) that is easy to grep.
/// </summary>
public sealed class SiteJournal
{
    private readonly string _site;
    private readonly EventLog _events;
    private readonly SiteStatusTracker _status;
    private readonly IProgress<string>? _landmarks;

    public SiteJournal(string site, EventLog events, SiteStatusTracker status, IProgress<string>? landmarks)
    {
        _site = site;
        _events = events;
        _status = status;
        _landmarks = landmarks;
    }

    public SiteStatusTracker Status => _status;

    public void Record(string? agent, string kind, string? landmark = null, IReadOnlyDictionary<string, object?>? fields = null)
    {
        _events.Append(SwarmEvent.Now(_site, agent, kind, fields));
        if (landmark is not null)
        {
            _landmarks?.Report($"[site {_site}] {landmark}");
        }
    }

    public void SiteState(SiteState state, string? problem = null) =>
        _status.Update(status => status with { State = state, Problem = problem ?? status.Problem });

    public void AgentStarted(string agent, LoggedProcess process, int attempt)
    {
        _status.UpdateAgent(agent, record => record with
        {
            State = AgentState.Running,
            Process = RecordedProcess.Of(process.Identity, process.LeadsProcessGroup),
        });
        Record(agent, "agent_started", $"agent {agent} started (pid {process.Identity.Pid})", Fields(("pid", process.Identity.Pid), ("attempt", attempt)));
    }

    public void AgentExited(string agent, int exitCode, int attempt)
    {
        _status.UpdateAgent(agent, record => record with { LastExitCode = exitCode });
        Record(agent, "agent_exited", $"agent {agent} exited {exitCode.ToString(CultureInfo.InvariantCulture)}", Fields(("exit_code", exitCode), ("attempt", attempt)));
    }

    public void AgentRestarting(string agent, int restart, int limit, TimeSpan delay)
    {
        _status.UpdateAgent(agent, record => record with { State = AgentState.Restarting, Restarts = restart });
        Record(agent, "agent_restarting", $"agent {agent} restarting ({restart}/{limit}) in {delay.TotalSeconds:0.#} s",
            Fields(("restart", restart), ("limit", limit), ("delay_ms", (long)delay.TotalMilliseconds)));
    }

    public void AgentFinished(string agent, AgentState state, int exitCode, int restarts)
    {
        _status.UpdateAgent(agent, record => record with { State = state, Restarts = restarts, LastExitCode = exitCode });
        if (state == AgentState.Failed)
        {
            Record(agent, "agent_failed", $"agent {agent} failed: exit {exitCode} after {restarts} restart(s), its limit",
                Fields(("exit_code", exitCode), ("restarts", restarts)));
        }
    }

    public static IReadOnlyDictionary<string, object?> Fields(params (string Name, object? Value)[] fields) =>
        fields.ToDictionary(field => field.Name, field => field.Value);
}
