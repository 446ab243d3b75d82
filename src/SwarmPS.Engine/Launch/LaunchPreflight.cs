using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Everything a site launch can check before it starts anything or writes a file: the campaign itself
/// (CampaignInvalid, with every error), each local agent's program, that this site of this run is not running here already, that the run id was never used
/// (here or, through its mailboxes, anywhere), and that the exchange answers and takes the token.
/// The foreground launcher runs it first; Start-SwarmSite -Detach runs it in the operator's session
/// before detaching, so these failures come back at once with their own error ids.
/// </summary>
public static class LaunchPreflight
{
    public static async Task CheckAsync(SiteLaunchOptions options, IExchange exchange, CancellationToken cancellationToken)
    {
        var runId = CampaignRunId.Validate(options.RunId);

        // The campaign is checked as Test-SwarmCampaign checks it, so nothing it calls an error can start:
        // an agent named '../../tmp/x' would put its logs outside the run directory. Other sites' names are
        // not judged here: a centre need not hold its partners' profiles, and this site is resolved already.
        // Federated: a file may hold only this site's part (a slice still checks its peers against the whole).
        var campaign = options.Campaign;
        CampaignValidator.EnsureValid(campaign, campaign.Agents.Select(agent => agent.Site).Append(options.Site.Name).Distinct(), federated: true);

        var site = options.Site;
        var layout = new SiteRunLayout(site.RunRoot, runId, site.Name);
        var agents = SiteLauncher.LocalAgents(options.Campaign, site.Name);
        foreach (var agent in agents)
        {
            var environment = AgentEnvironment.For(agent, runId, site, options.Exchange.Urls, options.Exchange.Token, layout.SiteDirectory, options.Campaign.AgentNames);
            var path = environment.GetValueOrDefault("PATH") ?? Environment.GetEnvironmentVariable("PATH");
            AgentCommandCheck.EnsureRunnable(new[] { agent }, options.WorkingDirectory, path);
        }

        EnsureNotUsedHere(layout);

        // One call proves the exchange is reachable and takes the token (ExchangeUnreachable,
        // ExchangeUnauthorized come from the client as they are), and shows whether these mailboxes exist.
        var ids = agents.Select(agent => AgentMailboxId.For(runId, agent.Name)).ToList();
        var mailboxes = await exchange.GetStatusAsync(ids, cancellationToken).ConfigureAwait(false);
        var staleAfter = campaign.Exchange.EffectiveStaleAfter;
        if (mailboxes.FirstOrDefault(mailbox => mailbox.State != MailboxState.Terminated && SilentFor(mailbox) <= staleAfter) is { } live)
        {
            throw MailboxExists(runId, live.Name, site.Name, silence: (SilentFor(live), staleAfter));
        }

        if (mailboxes.FirstOrDefault(mailbox => mailbox.State == MailboxState.Terminated) is { } ended)
        {
            throw RunIdAlreadyUsed(layout, $"agent '{ended.Name}' of this run has a terminated mailbox on the exchange (registered {ended.RegisteredAt:u})");
        }

        await WaitForExchangeToAgreeAsync(exchange, runId, site.Name, staleAfter, mailboxes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long the mailbox has been silent: the exchange's own measure when it gives one (no clock skew), else by this machine's clock.</summary>
    private static TimeSpan SilentFor(MailboxStatus mailbox) => mailbox.SilentFor ?? DateTimeOffset.UtcNow - mailbox.LastHeartbeat;

    /// <summary>
    /// The old mailboxes are dead by the campaign's stale_after, but the exchange may still call some ACTIVE:
    /// it keeps its own threshold (ExchangeLimits.HeartbeatThreshold, 30 s) and refuses to register a mailbox
    /// again while it counts it live. Why the exchange keeps its own: it serves every campaign at once, and its
    /// refusal is the last guard against two launches holding one run id; a threshold each registration could
    /// lower would let any caller with the token take a live mailbox over by claiming a short one. So the launch
    /// waits, at most the exchange's own remaining threshold, for the exchange to agree, and refuses at once
    /// if a stamp moves meanwhile (then the old launch is alive after all).
    /// </summary>
    private static async Task WaitForExchangeToAgreeAsync(
        IExchange exchange, string runId, string site, TimeSpan staleAfter, IReadOnlyList<MailboxStatus> mailboxes, CancellationToken cancellationToken)
    {
        var held = mailboxes.Where(mailbox => mailbox.State == MailboxState.Active).ToDictionary(mailbox => mailbox.Id);
        if (held.Count == 0)
        {
            return;
        }

        // The exchange says how long it still holds each one; without that (an older exchange), its default.
        var remaining = held.Values.Max(mailbox => (mailbox.ExchangeStaleAfter ?? DefaultExchangeThreshold) - SilentFor(mailbox));
        var deadline = DateTimeOffset.UtcNow + remaining + ExchangeWaitMargin;
        while (true)
        {
            await Task.Delay(ExchangeWaitPoll, cancellationToken).ConfigureAwait(false);
            var now = await exchange.GetStatusAsync(held.Keys.ToList(), cancellationToken).ConfigureAwait(false);
            if (now.FirstOrDefault(mailbox => held.TryGetValue(mailbox.Id, out var before) && mailbox.LastHeartbeat != before.LastHeartbeat) is { } beating)
            {
                throw MailboxExists(runId, beating.Name, site, silence: (SilentFor(beating), staleAfter));
            }

            var stillHeld = now.Where(mailbox => mailbox.State == MailboxState.Active).ToList();
            if (stillHeld.Count == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var first = stillHeld[0];
                throw new SwarmException(
                    "MailboxHeldByExchange",
                    $"Run id '{runId}': agent '{first.Name}' has not heartbeated for {SilentFor(first).TotalSeconds:0.#} s, longer than the campaign's stale_after ({staleAfter.TotalSeconds:0.#} s), "
                        + $"but the exchange still counts its mailbox live by its own threshold ({(first.ExchangeStaleAfter ?? DefaultExchangeThreshold).TotalSeconds:0.#} s) and would refuse to register it again. Nothing was started.",
                    $"Start the site again in a few seconds, when the exchange reports the mailbox INACTIVE (Get-SwarmMailbox -RunId {runId} -Name {first.Name}); or choose a new run id.",
                    SwarmErrorCategory.ResourceExists,
                    runId);
            }
        }
    }

    private static readonly TimeSpan DefaultExchangeThreshold = new ExchangeLimits().HeartbeatThreshold;
    private static readonly TimeSpan ExchangeWaitMargin = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ExchangeWaitPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A live launch of this site here (launcher or agents alive) is SiteAlreadyRunning: starting over it
    /// would overwrite status.json, the only record of those processes. A launch that ended is
    /// RunIdAlreadyUsed: a run id names one launch (its kickoff id is derived from it and would not be
    /// delivered again, and its events and counts would mix with the new launch's). A launcher that died
    /// without ending its site (kill -9, agents gone too) may be started again to resume the run.
    /// </summary>
    private static void EnsureNotUsedHere(SiteRunLayout layout)
    {
        var previous = SiteStatusFile.TryRead(layout.StatusFile);
        if (previous is null)
        {
            return;
        }

        var ended = previous.State is SiteState.Finished or SiteState.Failed or SiteState.Stopped;
        var launcherAlive = !ended && previous.Launcher is { } launcher && launcher.Identity.IsAlive;
        var liveAgents = previous.Agents.Where(agent => agent.Process?.Identity.IsAlive == true).ToList();
        if (launcherAlive || liveAgents.Count > 0)
        {
            var what = launcherAlive
                ? $"is already running here (launcher pid {previous.Launcher!.Pid})"
                : $"still has agents running here from a launcher that is gone: {string.Join(", ", liveAgents.Select(agent => $"{agent.Name} (pid {agent.Process!.Pid})"))}";
            throw new SwarmException(
                "SiteAlreadyRunning",
                $"Site '{layout.Site}' of run '{layout.RunId}' {what}.",
                $"Watch it with Get-SwarmAgent -RunId {layout.RunId}, or stop it first with Stop-SwarmSite -RunId {layout.RunId} -Site {layout.Site}.",
                SwarmErrorCategory.ResourceExists,
                layout.SiteDirectory);
        }

        if (ended)
        {
            throw RunIdAlreadyUsed(layout, $"site '{layout.Site}' ran under it here and ended {previous.State.ToString().ToLowerInvariant()} at {previous.UpdatedAt:u}");
        }
    }

    private static SwarmException RunIdAlreadyUsed(SiteRunLayout layout, string evidence) => new(
        "RunIdAlreadyUsed",
        $"Run id '{layout.RunId}' was already used: {evidence}. A run id names one launch: its kickoff would not be delivered again and its events would mix with this launch's. Nothing was started.",
        $"Choose a new run id for this launch (every site of it takes the same one), e.g. Start-SwarmSite -RunId {layout.RunId}-2. "
            + $"The old run's files stay in '{layout.RunDirectory}'; remove them when no longer needed with Remove-Item -Recurse -LiteralPath '{layout.RunDirectory}'.",
        SwarmErrorCategory.ResourceExists,
        layout.RunId);

    /// <summary>Another launch holds the run id: its agent's mailbox is live on the exchange (heartbeated within the campaign's stale_after, when known).</summary>
    public static SwarmException MailboxExists(string runId, string agent, string site, Exception? inner = null, (TimeSpan Silent, TimeSpan StaleAfter)? silence = null) => new(
        "MailboxExists",
        $"Run id '{runId}' is already in use: agent '{agent}' has a live mailbox on the exchange"
            + (silence is var (silent, stale) ? $" (last heartbeat {silent.TotalSeconds:0.#} s ago, within the campaign's stale_after of {stale.TotalSeconds:0.#} s)" : "")
            + ". Nothing was started.",
        $"Choose a new run id for this launch, or stop the launch that holds it first: Stop-SwarmSite -RunId {runId} -Site {site} on the machine that started it "
            + $"(Get-SwarmMailbox -RunId {runId} -Name {agent} shows its last heartbeat).",
        SwarmErrorCategory.ResourceExists,
        runId,
        inner);
}
