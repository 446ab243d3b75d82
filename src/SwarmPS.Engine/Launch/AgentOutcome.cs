namespace SwarmPS.Engine.Launch;

/// <summary>How one agent's supervision ended: for good with exit 0, or failed past its restart limit.</summary>
public sealed record AgentOutcome(string Agent, bool Succeeded, int ExitCode, int Restarts);
