using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>The smallest valid campaigns the bad-input tests break one key at a time, and the expander they load with.</summary>
internal static class CampaignTexts
{
    /// <summary>Two local agents that are each other's peers.</summary>
    public const string TwoPeers = """
        name: demo
        initial_agent: a
        user_task: go
        agents:
          - name: a
            site: local
            command: [run-a]
            peers: [b]
          - name: b
            site: local
            command: [run-b]
            peers: [a]
        """;

    /// <summary>One local agent and nothing else.</summary>
    public const string OneAgent = """
        name: demo
        initial_agent: a
        user_task: go
        agents:
          - name: a
            site: local
            command: [run-a]
        """;

    /// <summary>No ${VAR} resolves: the tests see exactly the text they wrote.</summary>
    public static readonly VariableExpander NoVariables = new(_ => null);
}
