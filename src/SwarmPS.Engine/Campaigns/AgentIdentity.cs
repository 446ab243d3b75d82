namespace SwarmPS.Engine.Campaigns;

/// <summary>An agent's name in one launch and the mailbox id every site derives for it.</summary>
public sealed record AgentIdentity(string RunId, string Name, Guid Id)
{
    public static AgentIdentity For(string runId, string name) => new(runId, name, AgentMailboxId.For(runId, name));

    public override string ToString() => $"{Name}={Id}";
}
