using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Control;

/// <summary>
/// The per-user agent manager of one site and namespace (Start-SwarmAgentManager): claims its mailbox (at most
/// one per user, site and namespace; a dead predecessor on this host is taken over at once), heartbeats the
/// mailbox and its record, and answers control commands one at a time (<see cref="ControlReceiver"/> over
/// <see cref="ManagedSlices"/>) until cancelled. Stopping the manager leaves the slices it started running:
/// they are detached sites, stopped by a Stop command or Stop-SwarmSite.
/// </summary>
public sealed class AgentManager
{
    /// <summary>
    /// A command is acknowledged once journaled, before it runs, so the lease only has to cover milliseconds. It is
    /// short because a long poll of a manager that was killed can still be waiting in the exchange and lease the
    /// next command to the dead connection: that command comes back to the new manager when this lease ends.
    /// </summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(2);

    private readonly ManagerOptions _options;
    private readonly object _gate = new();
    private readonly EventLog _events;
    private ManagerRecord _record = null!;

    public AgentManager(ManagerOptions options)
    {
        _options = options;
        OwnerOnly.CreateDirectory(options.Identity.Directory);
        _events = new EventLog(options.Identity.EventsFile);
    }

    private ManagerIdentity Identity => _options.Identity;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; <paramref name="ready"/> gets the record once commands are taken.</summary>
    public async Task RunAsync(Action<ManagerRecord> ready, CancellationToken cancellationToken)
    {
        using var exchange = _options.Exchange.OpenClient();
        var previous = await ClaimAsync(exchange, cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        _record = new ManagerRecord
        {
            Namespace = Identity.Namespace,
            User = Identity.User,
            Site = Identity.Site,
            Host = Launch.RecordedProcess.ThisHost,
            Pid = Environment.ProcessId,
            StartTicks = Processes.ProcessIdentity.Current.StartTicks,
            MailboxId = Identity.MailboxId,
            ExchangeUrl = _options.Exchange.ToString(),
            WorkingDirectory = _options.WorkingDirectory,
            StartedAt = now,
            HeartbeatAt = now,
            Running = true,
            Runs = previous?.Runs ?? Array.Empty<ManagedRun>(),
        };
        // The event before the record: whoever sees the record (Start-SwarmAgentManager -Detach waits for it)
        // finds the manager_started event too (a test once read the events between the two).
        _events.Append(SwarmEvent.Now(Identity.Site, ControlEvents.Agent, ControlEvents.ManagerStarted, new Dictionary<string, object?>
        {
            ["namespace"] = Identity.Namespace,
            ["user"] = Identity.User,
            ["host"] = Environment.MachineName,
            ["pid"] = Environment.ProcessId,
            ["mailbox"] = Identity.MailboxId.ToString(),
            ["took_over_from"] = previous is { Running: true } ? $"pid {previous.Pid} on {previous.Host}" : null,
        }));
        _record.Write(Identity.RecordFile);

        var slices = new ManagedSlices(_options, _events, Update, () => { lock (_gate) { return _record; } });
        var receiver = new ControlReceiver(
            exchange, _options.Token, Identity.Namespace, Identity.MailboxId, HandledCommands.Open(Identity.HandledFile, now),
            _events, Identity.Site, ControlEvents.Agent, slices.ExecuteAsync);
        ready(_record);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = HeartbeatAsync(exchange, slices, stop.Token);
        try
        {
            await ReceiveAsync(exchange, receiver, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            await heartbeat.ConfigureAwait(false);
            await EndAsync(exchange).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes this process the one manager: refused while the recorded one lives (here, or heartbeating from
    /// another host) or while the mailbox is live for a manager this host cannot judge; a recorded manager
    /// that died on this host leaves a live-looking mailbox, which is terminated and taken over at once.
    /// Returns the predecessor's record (its slices are carried on), or null.
    /// </summary>
    private async Task<ManagerRecord?> ClaimAsync(IExchange exchange, CancellationToken cancellationToken)
    {
        var previous = ManagerRecord.TryRead(Identity.RecordFile);
        if (previous is { Running: true } && (previous.IsAliveHere || (!previous.IsOnThisHost && DateTimeOffset.UtcNow - previous.HeartbeatAt < ManagerOptions.StaleAfter)))
        {
            throw ManagerErrors.AlreadyRunning(Identity, previous);
        }

        try
        {
            await exchange.RegisterAsync(Identity.RunId, Identity.MailboxName, cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error) when (error.ErrorId == "MailboxExists")
        {
            // Only a predecessor recorded on this host, whose process is gone, can be judged dead: its mailbox is taken
            // over (killed -9 and still Running in its record, or stopped without the exchange settings).
            if (previous is null || !previous.IsOnThisHost || previous.Process.IsAlive)
            {
                var mailbox = (await exchange.GetStatusAsync(new[] { Identity.MailboxId }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
                throw ManagerErrors.MailboxLive(Identity, mailbox, previous);
            }

            await exchange.TerminateAsync(Identity.MailboxId, cancellationToken).ConfigureAwait(false);
            await exchange.RegisterAsync(Identity.RunId, Identity.MailboxName, cancellationToken).ConfigureAwait(false);
        }

        return previous;
    }

    private async Task ReceiveAsync(IExchange exchange, ControlReceiver receiver, CancellationToken cancellationToken)
    {
        var request = new ReceiveRequest(MaxMessages: 1, Lease: Lease, Wait: ReceiveWait);
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<ReceivedMessage> messages;
            try
            {
                messages = await exchange.ReceiveAsync(Identity.MailboxId, request, cancellationToken).ConfigureAwait(false);
            }
            catch (SwarmException error) when (!cancellationToken.IsCancellationRequested && error.Category is SwarmErrorCategory.ConnectionError or SwarmErrorCategory.OperationTimeout or SwarmErrorCategory.ResourceUnavailable)
            {
                await PauseAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var message in messages)
            {
                try
                {
                    await receiver.HandleAsync(
                        message,
                        () => exchange.AcknowledgeAsync(Identity.MailboxId, new[] { message.Id }, CancellationToken.None),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested && error is SwarmException or IOException or UnauthorizedAccessException)
                {
                    // One message must never end the manager (the exchange away while it acknowledged, a full disk
                    // under its journal): it is recorded, and an unacknowledged message comes back when its lease ends.
                    TryRecord(new Dictionary<string, object?> { ["message_id"] = message.Id.ToString(), ["failed"] = error is SwarmException swarm ? swarm.ErrorId : error.GetType().Name, ["problem"] = error.Message });
                    await PauseAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task HeartbeatAsync(IExchange exchange, ManagedSlices slices, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                await exchange.HeartbeatAsync(Identity.MailboxId, cancellationToken).ConfigureAwait(false);
                Update(record => record with { HeartbeatAt = DateTimeOffset.UtcNow });
                slices.Refresh();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SwarmException)
            {
                // The exchange is away: the record's heartbeat stands still, which is what Get-SwarmAgentManager should see.
            }
        }
    }

    /// <summary>A clean stop: the mailbox is terminated (the manager shows Stopped, not Stale) and the record says so; the slices keep running.</summary>
    private async Task EndAsync(IExchange exchange)
    {
        try
        {
            await exchange.TerminateAsync(Identity.MailboxId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SwarmException)
        {
            // An exchange that is gone cannot be told; the mailbox turns INACTIVE by itself.
        }

        Update(record => record with { Running = false });
        _events.Append(SwarmEvent.Now(Identity.Site, ControlEvents.Agent, ControlEvents.ManagerStopped, new Dictionary<string, object?>
        {
            ["pid"] = Environment.ProcessId,
            ["running_slices"] = _record.Runs.Where(run => run.Lifecycle != ManagerLifecycle.Stopped).Select(run => run.RunId).ToArray(),
        }));
    }

    private void TryRecord(Dictionary<string, object?> fields)
    {
        try
        {
            _events.Append(SwarmEvent.Now(Identity.Site, ControlEvents.Agent, ControlEvents.Command, fields));
        }
        catch (IOException)
        {
            // The disk that refused the journal refuses the event too; the manager carries on regardless.
        }
    }

    private void Update(Func<ManagerRecord, ManagerRecord> change)
    {
        lock (_gate)
        {
            _record = change(_record);
            _record.Write(Identity.RecordFile);
        }
    }

    private static async Task PauseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(RetryPause, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
