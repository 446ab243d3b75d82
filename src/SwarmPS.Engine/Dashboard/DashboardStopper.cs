using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// Stops recorded dashboards: the server process and each mirror's ssh connection, by pid and start time
/// (<see cref="ProcessIdentity"/>), from the record alone, so it works after the pwsh that started them was
/// killed and never touches a process that merely reuses a pid. Then the record goes.
/// </summary>
public static class DashboardStopper
{
    /// <summary>Stops the dashboard of <paramref name="runId"/>, or every recorded one when it is null.</summary>
    public static async Task<IReadOnlyList<DashboardStopResult>> StopAsync(string mirrorRoot, string? runId, CancellationToken cancellationToken)
    {
        IReadOnlyList<DashboardRecord> records;
        if (runId is null)
        {
            records = DashboardRecord.All(mirrorRoot);
        }
        else
        {
            CampaignRunId.Validate(runId);
            records = DashboardRecord.TryRead(mirrorRoot, runId) is { } record
                ? new[] { record }
                : throw new SwarmException(
                    "DashboardNotRunning",
                    $"No dashboard of run '{runId}' is recorded (looked for {DashboardRecord.PathFor(mirrorRoot, runId)}).",
                    "Check the run id, and -MirrorRoot if the dashboard was started with one; Stop-SwarmDashboard without -RunId stops every recorded dashboard.",
                    SwarmErrorCategory.ObjectNotFound,
                    runId);
        }

        var results = new List<DashboardStopResult>();
        foreach (var record in records)
        {
            var serverWasRunning = record.Server.IsAlive;
            // The server first (it would restart a mirror connection it saw die), then the connections.
            await ProcessStopper.StopAsync(new[] { (record.Server, false) }, ProcessStopper.DefaultGrace, cancellationToken).ConfigureAwait(false);
            var mirrors = await ProcessStopper.StopAsync(record.Mirrors.Select(mirror => (mirror.Identity, false)).ToList(), TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            DashboardOptions.RemoveControlDirectory(DashboardOptions.ControlDirectory(record.MirrorRoot, record.RunId, DashboardHost.ControlPurpose));
            record.Delete();
            results.Add(new DashboardStopResult(record.RunId, record.Pid, serverWasRunning, mirrors.Count, record.Url));
        }

        return results;
    }
}
