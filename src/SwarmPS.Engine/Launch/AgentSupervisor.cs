using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Keeps one agent running to completion: starts it, records every start and exit, restarts it after a
/// failure (non-zero exit) up to its restart limit with growing delays, and reports the outcome.
/// Stopping is the launcher's job: on cancellation this returns and leaves the process to be stopped
/// by its recorded identity.
/// </summary>
public sealed class AgentSupervisor
{
    private readonly CampaignAgent _agent;
    private readonly Func<LoggedProcess> _start;
    private readonly RestartPolicy _policy;
    private readonly SiteJournal _journal;

    public AgentSupervisor(CampaignAgent agent, Func<LoggedProcess> start, RestartPolicy policy, SiteJournal journal)
    {
        _agent = agent;
        _start = start;
        _policy = policy;
        _journal = journal;
    }

    public string Name => _agent.Name;

    /// <summary>The process running now, if any, for stopping.</summary>
    public LoggedProcess? Current { get; private set; }

    public bool Finished { get; private set; }

    public async Task<AgentOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var restarts = 0;
        while (true)
        {
            using var process = _start();
            Current = process;
            _journal.AgentStarted(_agent.Name, process, attempt: restarts + 1);

            var exitCode = await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            Current = null;
            _journal.AgentExited(_agent.Name, exitCode, attempt: restarts + 1);
            if (exitCode == 0)
            {
                Finished = true;
                _journal.AgentFinished(_agent.Name, AgentState.Exited, exitCode, restarts);
                return new AgentOutcome(_agent.Name, Succeeded: true, exitCode, restarts);
            }

            if (!_policy.MayRestart(restarts))
            {
                Finished = true;
                _journal.AgentFinished(_agent.Name, AgentState.Failed, exitCode, restarts);
                return new AgentOutcome(_agent.Name, Succeeded: false, exitCode, restarts);
            }

            restarts++;
            var delay = _policy.DelayBefore(restarts);
            _journal.AgentRestarting(_agent.Name, restarts, _policy.Limit, delay);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }
}
