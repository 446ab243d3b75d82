using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// Starts an agent manager in a process of its own that outlives the caller (Start-SwarmAgentManager -Detach),
/// the way every detached child starts (<see cref="DetachedProcess"/>, output in manager.log). It returns once
/// the manager's record names that very process as running, or fails with the manager's own error id
/// (AgentManagerRunning, ControlTokenMissing, ...). What the child runs is given by <c>childCommand</c>.
/// </summary>
public static class ManagerLaunch
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static async Task<ManagerRecord> StartAsync(
        ManagerIdentity identity, IReadOnlyList<string> childCommand, string workingDirectory, IProgress<string>? waiting, CancellationToken cancellationToken)
    {
        OwnerOnly.CreateDirectory(identity.Directory);
        var child = new Child(identity)
        {
            Command = childCommand,
            WorkingDirectory = workingDirectory,
            Log = identity.LogFile,
            Name = identity.ToString(),
            Target = identity.Directory,
        };
        return await DetachedProcess.StartAsync(child, ReadyTimeout, waiting, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Child(ManagerIdentity identity) : DetachedChild<ManagerRecord>
    {
        public override DetachedReadiness<ManagerRecord> Probe(ProcessIdentity child)
        {
            ManagerRecord? record;
            try
            {
                record = ManagerRecord.TryRead(identity.RecordFile);
            }
            catch (SwarmException)
            {
                record = null; // being replaced this very moment; read again
            }

            return record is { Running: true } && record.Pid == child.Pid ? DetachedReadiness<ManagerRecord>.Of(record) : DetachedReadiness<ManagerRecord>.Starting;
        }

        public override SwarmException Ended(int? exitCode, string logTail) => new(
            "AgentManagerStartFailed",
            $"The {identity} exited with code {exitCode} before it took commands: {logTail}",
            $"Read '{identity.LogFile}' for the details, fix the cause, and start it again.",
            SwarmErrorCategory.ResourceUnavailable,
            identity.Directory);

        public override SwarmException TimedOut(int pid, TimeSpan waited, string logTail) => new(
            "AgentManagerStartTimeout",
            $"The {identity} (pid {pid}) did not take commands within {waited.TotalSeconds:0} s (the exchange slow to answer?). Its output so far: {logTail}",
            $"Read '{identity.LogFile}'; check the exchange with Get-SwarmExchange; stop it with Stop-SwarmAgentManager -Site {identity.Site} -Namespace {identity.Namespace}.",
            SwarmErrorCategory.OperationTimeout,
            identity.Directory);
    }
}
