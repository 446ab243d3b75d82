namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// One site as the dashboard's header shows it: its state (from its status.json; <c>Missing</c> or
/// <c>Unreachable</c> when there is nothing to read, with <see cref="Problem"/> saying why), where it is read
/// from, its distinct agents and the messages its agents sent (message_sent events).
/// </summary>
public sealed record DashboardSiteSummary(string Name, string State, DashboardSourceKind Source, bool Up, int Agents, int Messages, string? Problem);
