using System.Globalization;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The slice's agents as the ranks of one batch job (Start-SwarmSite -Allocation): rank i runs agent i.
/// <see cref="PrepareAsync"/> submits the job from the launcher's host (the site's login node) and waits
/// out the queue, so the startup clock starts when the job does. The ranks wait at a start gate until the
/// launcher has registered their mailboxes (a queued slice never looks live to its peers), then run their
/// agents with logs in the usual agent folders and write each exit code beside the job's scripts, which is
/// how the launcher learns how each agent ended. Ranks are not restarted (restart_limit applies to agents
/// the launcher runs itself): one failed rank ends the site and cancels the job.
/// </summary>
internal sealed class AllocatedAgents : ISiteAgents
{
    private const string GateName = "start";

    private readonly SiteLaunchOptions _options;
    private readonly AllocationRequest _request;
    private readonly IReadOnlyList<CampaignAgent> _agents;
    private readonly SiteRunLayout _layout;
    private readonly SiteJournal _journal;
    private readonly string _directory;
    private readonly Dictionary<string, TaskCompletionSource<AgentOutcome>> _outcomes = new(StringComparer.Ordinal);
    private AllocationJob? _job;
    private volatile bool _jobRunning;

    public AllocatedAgents(SiteLaunchOptions options, AllocationRequest request, IReadOnlyList<CampaignAgent> agents, SiteRunLayout layout, SiteJournal journal)
    {
        _options = options;
        _request = request;
        _agents = agents;
        _layout = layout;
        _journal = journal;
        _directory = Path.Combine(layout.SiteDirectory, "allocation");
        foreach (var agent in agents)
        {
            _outcomes[agent.Name] = new TaskCompletionSource<AgentOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public IReadOnlyList<string> Running =>
        _jobRunning ? _agents.Where(agent => !_outcomes[agent.Name].Task.IsCompleted).Select(agent => agent.Name).ToList() : Array.Empty<string>();

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var ranks = AllocationSlice.Ranks(_options.Campaign, _options.Site, _options.RunId, _options.Exchange.Urls, _options.Exchange.Token, _layout, _options.WorkingDirectory);
        var plan = AllocationPlanner.Plan(_options.Site, _request, ranks) with { StartGate = Path.Combine(_directory, GateName) };
        foreach (var notice in plan.Notices)
        {
            _journal.Record(null, "allocation_notice", notice, SiteJournal.Fields(("notice", notice)));
        }

        foreach (var agent in _agents)
        {
            OwnerOnly.CreateDirectory(_layout.AgentDirectory(agent.Name));
            OwnerOnly.CreateFile(_layout.StdoutLog(agent.Name));
            OwnerOnly.CreateFile(_layout.StderrLog(agent.Name));
        }

        _job = new AllocationJob(LocalShell.Instance, plan, _directory);
        var jobId = await _job.SubmitAsync(cancellationToken).ConfigureAwait(false);
        var scheduler = _options.Site.Scheduler;
        _journal.Status.Update(status => status with
        {
            State = SiteState.Queued,
            Allocation = new AllocationRecord(scheduler, jobId, _directory) { Host = RecordedProcess.ThisHost },
            Agents = status.Agents.Select(agent => agent with { State = AgentState.Queued }).ToList(),
        });
        _journal.Record(null, "allocation_submitted",
            $"allocation {jobId} submitted to {Name(scheduler)}: {plan.Ranks.Count} rank(s) on {plan.Nodes} node(s), launcher {AllocationLaunchers.Name(plan.Launcher)}",
            SiteJournal.Fields(("job_id", jobId), ("scheduler", Name(scheduler)), ("ranks", plan.Ranks.Count), ("nodes", plan.Nodes),
                ("launcher", AllocationLaunchers.Name(plan.Launcher)), ("directory", _directory)));

        var seen = new SynchronousProgress<AllocationJobState>(state => _journal.Record(null,
            state == AllocationJobState.Queued ? "allocation_queued" : "allocation_running",
            state == AllocationJobState.Queued ? $"allocation {jobId} queued" : $"allocation {jobId} running",
            SiteJournal.Fields(("job_id", jobId))));
        // Cancelled while queued (Ctrl+C, Stop-SwarmSite): WaitForStartAsync cancels the job itself.
        await _job.WaitForStartAsync(seen, _options.AllocationPollInterval, cancellationToken).ConfigureAwait(false);
        _jobRunning = true;
        _journal.Status.Update(status => status with
        {
            Agents = status.Agents.Select(agent => agent with { State = AgentState.Starting }).ToList(),
        });
    }

    public IReadOnlyList<Task<AgentOutcome>> Start(CancellationToken stopping)
    {
        // Mailboxes are registered now: let the ranks start their agents.
        OwnerOnly.CreateFile(Path.Combine(_directory, GateName));
        var jobId = _job!.JobId;
        for (var rank = 0; rank < _agents.Count; rank++)
        {
            var name = _agents[rank].Name;
            _journal.Status.UpdateAgent(name, record => record with { State = AgentState.Running });
            _journal.Record(name, "agent_started", $"agent {name} started as rank {rank} of allocation {jobId}",
                SiteJournal.Fields(("rank", rank), ("job_id", jobId), ("attempt", 1)));
        }

        _ = WatchAsync(stopping);
        return _agents.Select(agent => _outcomes[agent.Name].Task).ToList();
    }

    public async Task StopAsync()
    {
        if (_job?.JobId is not { } jobId)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.StopGrace + TimeSpan.FromSeconds(30));
            if (await _job.QueryStateAsync(timeout.Token).ConfigureAwait(false) != AllocationJobState.Ended)
            {
                await _job.CancelAsync(timeout.Token).ConfigureAwait(false);
                while (await _job.QueryStateAsync(timeout.Token).ConfigureAwait(false) != AllocationJobState.Ended)
                {
                    await Task.Delay(_options.AllocationPollInterval, timeout.Token).ConfigureAwait(false);
                }

                _journal.Record(null, "allocation_cancelled", $"allocation {jobId} cancelled", SiteJournal.Fields(("job_id", jobId)));
            }
        }
        catch (Exception error) when (error is SwarmException or OperationCanceledException)
        {
            // Stop-SwarmSite cancels the recorded job later; the site's own error is the one to report.
            _journal.Record(null, "allocation_cancel_failed", $"allocation {jobId} may still be in the scheduler: {error.Message}",
                SiteJournal.Fields(("job_id", jobId), ("error", (error as SwarmException)?.ErrorId ?? "Timeout")));
        }

        foreach (var agent in _agents.Where(agent => !_outcomes[agent.Name].Task.IsCompleted))
        {
            _journal.Status.UpdateAgent(agent.Name, record => record with { State = AgentState.Stopped });
        }
    }

    public SwarmException Failure(AgentOutcome outcome)
    {
        var jobId = _job?.JobId;
        return outcome.ExitCode == EndedWithoutExit
            ? new SwarmException(
                "AllocationEndedEarly",
                $"Allocation {jobId} of site '{_layout.Site}' ended before agent '{outcome.Agent}' did (walltime, a node failure, or a cancel outside SwarmPS); the job's other ranks ended with it.",
                $"Read {Path.Combine(_directory, AllocationScriptWriter.OutputName)} and the scheduler's record of job {jobId}; ask for a longer -Walltime if it ran out.",
                SwarmErrorCategory.OperationStopped,
                outcome.Agent)
            : new SwarmException(
                "AllocationRankFailed",
                $"Agent '{outcome.Agent}' (rank {_agents.Select(a => a.Name).ToList().IndexOf(outcome.Agent)} of allocation {jobId}) on site '{_layout.Site}' exited with code {outcome.ExitCode}; ranks are not restarted, so the allocation was cancelled.",
                $"Read {_layout.StderrLog(outcome.Agent)} for the cause, then start the site again with a new run id.",
                SwarmErrorCategory.OperationStopped,
                outcome.Agent);
    }

    /// <summary>Stands for "no exit code": the job ended before the rank wrote one.</summary>
    private const int EndedWithoutExit = -1;

    /// <summary>Reads each rank's exit file as it appears; once the job has ended, a rank without one ended with it.</summary>
    private async Task WatchAsync(CancellationToken stopping)
    {
        try
        {
            var reachable = true;
            while (Pending().Count > 0)
            {
                CollectExits();
                AllocationJobState state;
                try
                {
                    state = await _job!.QueryStateAsync(stopping).ConfigureAwait(false);
                    reachable = true;
                }
                catch (SwarmException error) when (!stopping.IsCancellationRequested)
                {
                    // squeue timing out on a busy login node is no reason to end the site; say so once.
                    if (reachable)
                    {
                        reachable = false;
                        _journal.Record(null, "allocation_unreachable", $"cannot ask the scheduler about allocation {_job!.JobId}, retrying: {error.Message}",
                            SiteJournal.Fields(("error", error.ErrorId)));
                    }

                    state = AllocationJobState.Running;
                }

                if (state == AllocationJobState.Ended)
                {
                    CollectExits(); // a rank writes its exit file before the job leaves the queue
                    _jobRunning = false;
                    _journal.Record(null, "allocation_ended", $"allocation {_job!.JobId} ended", SiteJournal.Fields(("job_id", _job.JobId)));
                    foreach (var agent in Pending())
                    {
                        Finish(agent, EndedWithoutExit);
                    }

                    return;
                }

                await Task.Delay(_options.AllocationPollInterval, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var agent in Pending())
            {
                _outcomes[agent].TrySetCanceled(stopping);
            }
        }
        catch (Exception error)
        {
            // Nobody awaits this loop: its failure must reach the launcher through the agents' outcomes, not hang it.
            foreach (var agent in Pending())
            {
                _outcomes[agent].TrySetException(error);
            }
        }
    }

    private List<string> Pending() => _agents.Select(agent => agent.Name).Where(name => !_outcomes[name].Task.IsCompleted).ToList();

    private void CollectExits()
    {
        for (var rank = 0; rank < _agents.Count; rank++)
        {
            var name = _agents[rank].Name;
            if (_outcomes[name].Task.IsCompleted)
            {
                continue;
            }

            // Written by the rank wrapper: a number and a newline; anything else is read as "no exit code yet".
            string? text;
            try
            {
                text = BoundedFileRead.ReadAllText(Path.Combine(_directory, AllocationScriptWriter.ExitCodeFile(rank)), 64, followLinks: false);
            }
            catch (FileRefusedException)
            {
                text = null; // not what the wrapper writes; the job's end settles this rank
            }

            if (text is not null && int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                Finish(name, code);
            }
        }
    }

    private void Finish(string agent, int exitCode)
    {
        var succeeded = exitCode == 0;
        if (exitCode != EndedWithoutExit)
        {
            _journal.AgentExited(agent, exitCode, attempt: 1);
        }

        _journal.AgentFinished(agent, succeeded ? AgentState.Exited : AgentState.Failed, exitCode, restarts: 0);
        _outcomes[agent].TrySetResult(new AgentOutcome(agent, succeeded, exitCode, Restarts: 0));
    }

    private static string Name(SchedulerKind scheduler) => scheduler.ToString().ToLowerInvariant();
}
