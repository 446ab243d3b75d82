namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>Small campaign files written for a test; agents run on the demo sites the sandbox provides.</summary>
public static class CampaignFiles
{
    /// <summary>A two-agent campaign; <paramref name="pingPeers"/> lets a test plant a finding (a duplicate peer, say).</summary>
    public static string Write(string directory, string name, string pingPeers = "[pong]")
    {
        var path = Path.Combine(directory, name + ".yaml");
        File.WriteAllText(path, $"""
            name: {name}
            initial_agent: ping
            user_task: Count from 1 to 3.
            agents:
              - name: ping
                site: alpha
                command: ["python3", "agent.py"]
                peers: {pingPeers}
              - name: pong
                site: beta
                command: ["python3", "agent.py"]
                peers: [ping]

            """);
        return path;
    }
}
