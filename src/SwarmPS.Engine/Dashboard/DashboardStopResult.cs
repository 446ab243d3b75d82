namespace SwarmPS.Engine.Dashboard;

/// <summary>What Stop-SwarmDashboard did to one dashboard: whether its server was still running, and how many of its mirror connections it ended.</summary>
public sealed record DashboardStopResult(string RunId, int Pid, bool ServerWasRunning, int MirrorsStopped, string Url);
