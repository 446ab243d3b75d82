namespace SwarmPS.Engine.Launch;

/// <summary>
/// How a site's agents run, for the <see cref="SiteLauncher"/>: as processes it starts and supervises on
/// its own host (<see cref="SupervisedAgents"/>), or as the ranks of one batch job on the site's compute
/// nodes (<see cref="AllocatedAgents"/>). The launcher's part (mailboxes, rendezvous, kickoff, peer watch,
/// events) is the same for both.
/// </summary>
internal interface ISiteAgents
{
    /// <summary>Brings the agents to where they can start: nothing for processes; for an allocation, submit it and wait out the queue.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Starts every agent (their mailboxes are registered by now); one task per agent, completing with how it ended.</summary>
    IReadOnlyList<Task<AgentOutcome>> Start(CancellationToken stopping);

    /// <summary>The agents running now, whose mailboxes the launcher heartbeats.</summary>
    IReadOnlyList<string> Running { get; }

    /// <summary>Stops whatever still runs: each process (SIGTERM, grace, SIGKILL), or the allocation's job.</summary>
    Task StopAsync();

    /// <summary>The error that ends the site when <paramref name="outcome"/> is an agent's final failure.</summary>
    SwarmException Failure(AgentOutcome outcome);
}
