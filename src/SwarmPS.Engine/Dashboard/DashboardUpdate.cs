using SwarmPS.Engine.LiveTraining;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// What changed since a client's position: the events with <see cref="DashboardEvent.Seq"/> at or after it (in
/// arrival order), every site's summary, the warnings after the client's last one, and the training status.
/// A snapshot is the same with every event (in timestamp order) and every warning.
/// </summary>
public sealed record DashboardUpdate(
    string RunId,
    bool SingleSite,
    int Seq,
    int WarningCount,
    IReadOnlyList<DashboardEvent> Events,
    IReadOnlyList<DashboardSiteSummary> Sites,
    IReadOnlyList<string> Warnings,
    TrainingRunStatus? Training);
