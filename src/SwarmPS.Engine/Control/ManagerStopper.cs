using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// Stops the agent manager of this machine's record (Stop-SwarmAgentManager): SIGTERM to the recorded process
/// (pid and start time, so a recycled pid is never touched), which terminates its mailbox on the way out;
/// a manager that was already dead has its mailbox terminated from here. The slices it started keep running.
/// </summary>
public static class ManagerStopper
{
    public static async Task<AgentManagerInfo> StopAsync(ManagerIdentity identity, IExchange? exchange, CancellationToken cancellationToken)
    {
        var record = ManagerRecord.TryRead(identity.RecordFile) ?? throw new SwarmException(
            "AgentManagerNotFound",
            $"This machine has no record of an {identity} ('{identity.RecordFile}' does not exist).",
            $"See which run with Get-SwarmAgentManager; a manager runs where it was started (its record is there).",
            SwarmErrorCategory.ObjectNotFound,
            identity.Directory);
        if (record.Running && !record.IsOnThisHost)
        {
            throw new SwarmException(
                "AgentManagerOnOtherHost",
                $"The {identity} runs on host {record.Host} (pid {record.Pid}), not on this one ({Environment.MachineName}); its pid means nothing here.",
                $"Run Stop-SwarmAgentManager -Site {identity.Site} -Namespace {identity.Namespace} on {record.Host}.",
                SwarmErrorCategory.InvalidOperation,
                identity.Directory);
        }

        if (record.IsAliveHere)
        {
            await ProcessStopper.StopAsync(new[] { (record.Process, false) }, ProcessStopper.DefaultGrace, cancellationToken).ConfigureAwait(false);
        }

        var after = ManagerRecord.TryRead(identity.RecordFile) ?? record;
        if (after.Running)
        {
            // It died without its own cleanup (killed -9, or it did not end in the grace): do that cleanup here.
            if (exchange is not null)
            {
                try
                {
                    await exchange.TerminateAsync(identity.MailboxId, cancellationToken).ConfigureAwait(false);
                }
                catch (SwarmException error) when (error.ErrorId == "MailboxNotFound")
                {
                }
            }

            after = after with { Running = false };
            after.Write(identity.RecordFile);
            new EventLog(identity.EventsFile).Append(SwarmEvent.Now(identity.Site, ControlEvents.Agent, ControlEvents.ManagerStopped, new Dictionary<string, object?>
            {
                ["pid"] = record.Pid,
                ["by"] = "Stop-SwarmAgentManager",
                ["running_slices"] = after.Runs.Where(run => run.Lifecycle != ManagerLifecycle.Stopped).Select(run => run.RunId).ToArray(),
            }));
        }

        var mailbox = exchange is null ? null : (await exchange.GetStatusAsync(new[] { identity.MailboxId }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        return AgentManagerInfo.From(identity, mailbox, after, DateTimeOffset.UtcNow);
    }
}
