using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The slice's agents as processes of the launcher's own host, each kept running by an
/// <see cref="AgentSupervisor"/> (restarts up to its restart_limit) and stopped by its recorded identity.
/// </summary>
internal sealed class SupervisedAgents : ISiteAgents
{
    private readonly SiteLaunchOptions _options;
    private readonly SiteRunLayout _layout;
    private readonly SiteJournal _journal;
    private readonly IReadOnlyList<AgentSupervisor> _supervisors;

    public SupervisedAgents(SiteLaunchOptions options, IReadOnlyList<CampaignAgent> agents, SiteRunLayout layout, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> environments, SiteJournal journal)
    {
        _options = options;
        _layout = layout;
        _journal = journal;
        _supervisors = agents.Select(agent => new AgentSupervisor(
            agent,
            () => LoggedProcess.Start(agent.Command, environments[agent.Name], options.WorkingDirectory, layout.StdoutLog(agent.Name), layout.StderrLog(agent.Name)),
            new RestartPolicy(agent.RestartLimit, options.RestartDelay, TimeSpan.FromSeconds(30)),
            journal)).ToList();
    }

    public IReadOnlyList<string> Running => _supervisors.Where(s => !s.Finished).Select(s => s.Name).ToList();

    public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public IReadOnlyList<Task<AgentOutcome>> Start(CancellationToken stopping) =>
        _supervisors.Select(supervisor => supervisor.RunAsync(stopping)).ToList();

    public async Task StopAsync()
    {
        var current = _supervisors.Select(s => s.Current).OfType<LoggedProcess>().ToList();
        var stopped = await ProcessStopper.StopAsync(current.Select(p => (p.Identity, p.LeadsProcessGroup)).ToList(), _options.StopGrace).ConfigureAwait(false);
        foreach (var supervisor in _supervisors.Where(s => !s.Finished))
        {
            _journal.Status.UpdateAgent(supervisor.Name, record => record with { State = AgentState.Stopped });
        }

        if (stopped.Count > 0)
        {
            _journal.Record(null, "agents_stopped", $"stopped {stopped.Count} agent process(es)", SiteJournal.Fields(("pids", stopped.Select(p => p.Pid).ToArray())));
        }
    }

    public SwarmException Failure(AgentOutcome outcome) => new(
        "AgentRestartLimitExceeded",
        $"Agent '{outcome.Agent}' on site '{_layout.Site}' exited with code {outcome.ExitCode} after {outcome.Restarts} restart(s), its restart limit; the site's other agents were stopped.",
        $"Read {_layout.StderrLog(outcome.Agent)} for the cause; raise restart_limit in the campaign if the failure is transient.",
        SwarmErrorCategory.OperationStopped,
        outcome.Agent);
}
