using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>Polls a remote site's status.json over SSH until it shows what a test waits for.</summary>
internal static class RemoteSiteWait
{
    /// <summary>The pid of an agent's current process once the remote status records it.</summary>
    public static async Task<int> AgentProcessAsync(SiteProfile site, string runId, string agent)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var status = await RemoteSiteRun.ReadStatusAsync(site, runId, CancellationToken.None);
            if (status.Agents.FirstOrDefault(a => a.Name == agent)?.Process is { } process)
            {
                return process.Pid;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"agent {agent} of {runId} never recorded a process");
    }

    /// <summary>The status once the site has ended (finished, failed or stopped), or as it is after 60 s.</summary>
    public static async Task<RemoteSiteStatus> FinalStatusAsync(SiteProfile site, string runId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await RemoteSiteRun.ReadStatusAsync(site, runId, CancellationToken.None);
            if (status.State is SiteState.Finished or SiteState.Failed or SiteState.Stopped || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(200);
        }
    }
}
