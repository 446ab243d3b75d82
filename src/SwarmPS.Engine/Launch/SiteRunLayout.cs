namespace SwarmPS.Engine.Launch;

/// <summary>
/// Where one site of one launch keeps its files (DESIGN.md "Files and layouts"):
/// <c>&lt;runRoot&gt;/&lt;runId&gt;/&lt;site&gt;/</c> holding events.jsonl, status.json and
/// agents/&lt;name&gt;/{stdout,stderr}.log.
/// </summary>
public sealed record SiteRunLayout(string RunRoot, string RunId, string Site)
{
    public string RunDirectory => Path.Combine(RunRoot, RunId);

    public string SiteDirectory => Path.Combine(RunDirectory, Site);

    public string EventsFile => Path.Combine(SiteDirectory, "events.jsonl");

    public string StatusFile => Path.Combine(SiteDirectory, "status.json");

    /// <summary>Output of a detached site launcher (its landmarks and errors).</summary>
    public string LauncherLog => Path.Combine(SiteDirectory, "launcher.log");

    public string AgentDirectory(string agent) => Path.Combine(SiteDirectory, "agents", agent);

    public string StdoutLog(string agent) => Path.Combine(AgentDirectory(agent), "stdout.log");

    public string StderrLog(string agent) => Path.Combine(AgentDirectory(agent), "stderr.log");
}
