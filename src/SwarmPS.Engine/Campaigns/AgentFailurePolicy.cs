namespace SwarmPS.Engine.Campaigns;

/// <summary>What a site does when one of its agents fails past its restart limit (agent key <c>on_failure</c>).</summary>
public enum AgentFailurePolicy
{
    /// <summary>The site fails and stops its other agents: the default, since most agents of a campaign need each other.</summary>
    StopSite,

    /// <summary>
    /// The failure is recorded (agent_failed) and the site goes on with its other agents: for an agent whose
    /// loss another agent handles, as a training coordinator handles a lost contributor on its own site.
    /// </summary>
    Continue,
}
