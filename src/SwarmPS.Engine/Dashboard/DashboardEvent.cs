using SwarmPS.Engine.Events;

namespace SwarmPS.Engine.Dashboard;

/// <summary>An event as the dashboard knows it: its position in arrival order (<see cref="Seq"/>, what a stream resumes from) and the event.</summary>
public sealed record DashboardEvent(int Seq, SwarmEvent Event);
