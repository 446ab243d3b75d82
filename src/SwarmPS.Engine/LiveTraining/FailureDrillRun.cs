using System.Diagnostics;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// Invoke-SwarmFailureDrill: runs a whole live training run of the plan on this machine's sites with one
/// failure planted in one contributor, watches what the coordinator does, and reports the posture expected
/// and observed (docs/training-live.md "Failure drills"). StaleWorker pauses the contributor's processes
/// (SIGSTOP) past the stale-worker threshold and short of the loss grace; ContributorLoss kills them
/// (SIGKILL to the process group) while it trains; UploadDisagreement and UnevenSpeed are planted in the
/// contributor's role (a changed adapter byte after training; a late start past the worker skew, heartbeating).
/// The report is filed in the run's record and the evidence is exported again with it; every site of the
/// run is stopped at the end, so a drill leaves nothing running.
/// </summary>
public static class FailureDrillRun
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public static async Task<DrillReport> RunAsync(
        TrainingLaunchRequest request, string drill, string? contributorId, SiteCatalog catalog, IExchange exchange, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var plan = request.Plan;
        if (!FailureDrills.All.Contains(drill))
        {
            throw new SwarmException("FailureDrillUnknown",
                $"'{drill}' is not a failure drill.",
                $"Use one of: {string.Join(", ", FailureDrills.All)}.",
                SwarmErrorCategory.InvalidArgument, drill);
        }

        var target = contributorId is null ? plan.Contributors[^1] : plan.Contributors.FirstOrDefault(c => c.Id == contributorId) ?? throw new SwarmException("FailureDrillContributorUnknown",
            $"The plan has no contributor '{contributorId}'.",
            $"Name one of the plan's contributors: {string.Join(", ", plan.Contributors.Select(c => c.Id))}.",
            SwarmErrorCategory.InvalidArgument, contributorId);
        var clock = Stopwatch.StartNew();
        var sites = plan.Contributors.Select(c => c.Site).Prepend(plan.CoordinatorSite).Distinct(StringComparer.Ordinal).ToList();
        var layouts = sites.ToDictionary(site => site, site => new SiteRunLayout(catalog.Get(site).RunRoot, request.RunId, site), StringComparer.Ordinal);
        try
        {
            foreach (var site in sites)
            {
                progress?.Report($"starting site {site}");
                var planted = drill is FailureDrills.UploadDisagreement or FailureDrills.UnevenSpeed && target.Site == site
                    ? new Dictionary<string, string> { [target.Id] = drill }
                    : new Dictionary<string, string>();
                await TrainingSiteLaunch.StartAsync(request with { Site = site, Drills = planted }, catalog, exchange, progress, cancellationToken).ConfigureAwait(false);
            }

            if (drill is FailureDrills.StaleWorker or FailureDrills.ContributorLoss)
            {
                progress?.Report($"waiting for {target.Id} to be admitted");
                var targetLayout = layouts[target.Site];
                await WaitForEventAsync(targetLayout, "training_admitted", target.Id, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
                var group = AgentProcessGroup(targetLayout, target.Id);
                var signals = ProcessPlatform.Current.PauseSignals;
                if (drill == FailureDrills.StaleWorker)
                {
                    // Silent until the coordinator itself calls it stale, then resumed at once, so it is stale and
                    // not lost however loaded the machine: the pause ends a second short of the loss grace at the latest.
                    progress?.Report($"pausing {target.Id} until the coordinator calls it stale");
                    ProcessPlatform.Current.Kill(-group, signals.Stop);
                    try
                    {
                        await WaitForEventAsync(layouts[plan.CoordinatorSite], "worker_stale", target.Id, plan.ContributorLossGrace - TimeSpan.FromSeconds(1), cancellationToken, quietly: true).ConfigureAwait(false);
                    }
                    finally
                    {
                        ProcessPlatform.Current.Kill(-group, signals.Continue);
                    }
                }
                else
                {
                    progress?.Report($"killing {target.Id}");
                    ProcessPlatform.Current.Kill(-group, 9);
                }
            }

            progress?.Report("waiting for the coordinator to end the run");
            var status = await WaitForEndAsync(layouts[plan.CoordinatorSite], plan.MaxWorkerSkew + plan.ContributorLossGrace + TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            var coordinatorEvents = Events(layouts[plan.CoordinatorSite]);
            var repository = SwarmRepository.Locate(request.WorkingDirectory).Root;
            var report = Observe(drill, plan, target, status, coordinatorEvents, repository) with { Elapsed = clock.Elapsed };
            return File(report, repository, status);
        }
        finally
        {
            await EndSitesAsync(layouts.Values, exchange).ConfigureAwait(false);
        }
    }

    /// <summary>The posture the plan expects of each drill, and the checks that show it.</summary>
    private static DrillReport Observe(string drill, TrainingPlan plan, PlanContributor target, TrainingRunStatus status, IReadOnlyList<SwarmEvent> events, string repository)
    {
        var me = status.Contributors.Single(c => c.Contributor == target.Id);
        var others = plan.Contributors.Count - 1;
        var proceeds = plan.Gates.MinimumAccepted <= others;
        var checks = new List<DrillCheck>();
        var merged = MergedContributors(repository, status.RunId);
        string expected;
        switch (drill)
        {
            case FailureDrills.StaleWorker:
                expected = $"{target.Id} is stale (silent past {plan.StaleAfter.TotalMilliseconds:0} ms), so its contribution is ReplayRequired and counts only once the coordinator's replay confirms it";
                checks.Add(Saw(events, "worker_stale", target.Id));
                checks.Add(new("stale_flag", me.Stale, me.Stale ? $"{target.Id} is flagged stale (longest silence {me.LongestGapMs} ms)" : $"{target.Id} is not flagged stale (longest silence {me.LongestGapMs} ms)"));
                checks.Add(new("not_lost", me.State != ContributorState.Lost, $"{target.Id} is {me.State}"));
                checks.Add(new("replay_required", me.Verdict is not VerdictKind.Accepted || me.ReplayChecked,
                    me.Verdict == VerdictKind.Accepted
                        ? (me.ReplayChecked ? $"accepted only after a replay{(ReplaySelection.Picks(plan, target.Id) ? "" : " the plan's sample would not have asked for")}" : "accepted without a replay")
                        : $"verdict {me.Verdict}: {me.Detail}"));
                break;
            case FailureDrills.UploadDisagreement:
                expected = $"the adapter {target.Id} uploaded differs from its manifest's digest, so its contribution is Rejected and left out of the merge";
                checks.Add(new("rejected", me.Verdict == VerdictKind.Rejected, $"verdict {me.Verdict?.ToString() ?? "(none)"}{(me.Detail is null ? "" : ": " + me.Detail)}"));
                checks.Add(new("left_out", !merged.Contains(target.Id), merged.Contains(target.Id) ? $"{target.Id} was merged" : $"{target.Id} is not among the merged ({string.Join(", ", merged)})"));
                break;
            case FailureDrills.ContributorLoss:
                expected = $"{target.Id} is lost (no heartbeat for {plan.ContributorLossGrace.TotalMilliseconds:0} ms); " + (proceeds
                    ? $"the run proceeds without it ({others} other contributor(s) meet the gate of {plan.Gates.MinimumAccepted})"
                    : $"aggregation is blocked ({others} other contributor(s) are below the gate of {plan.Gates.MinimumAccepted}) and nothing is published");
                checks.Add(Saw(events, "contributor_lost", target.Id));
                checks.Add(new("lost", me.State == ContributorState.Lost, $"{target.Id} is {me.State}"));
                checks.Add(new("left_out", !merged.Contains(target.Id), merged.Contains(target.Id) ? $"{target.Id} was merged" : $"{target.Id} is not merged"));
                break;
            default:
                expected = $"{target.Id} is slowed past the worker skew; the coordinator waits {(plan.MaxWorkerSkew + plan.ContributorLossGrace).TotalMilliseconds:0} ms after the first contribution (skew plus grace), then excludes it; " + (proceeds
                    ? "the run proceeds without it"
                    : "aggregation is blocked and nothing is published");
                checks.Add(Saw(events, "contributor_late", target.Id));
                checks.Add(new("late", me.State == ContributorState.Late, $"{target.Id} is {me.State}"));
                checks.Add(new("left_out", !merged.Contains(target.Id), merged.Contains(target.Id) ? $"{target.Id} was merged" : $"{target.Id} is not merged"));
                break;
        }

        if (drill != FailureDrills.StaleWorker)
        {
            var wanted = proceeds ? TrainingPhase.Published : TrainingPhase.Blocked;
            checks.Add(new("outcome", status.Phase == wanted, $"the run ended {status.Phase} ({status.Detail}); the plan's gates call for {wanted}"));
        }

        checks.Add(new("nothing_half_published", status.Phase == TrainingPhase.Published ? status.Destination is not null && Directory.Exists(status.Destination) : status.Destination is null,
            status.Phase == TrainingPhase.Published ? $"published whole to {status.Destination}" : "no snapshot was published"));
        var observed = string.Join("; ", checks.Select(check => check.Detail));
        return new DrillReport { Drill = drill, RunId = status.RunId, Contributor = target.Id, Expected = expected, Observed = observed, Checks = checks, Phase = status.Phase };
    }

    /// <summary>Files the report in the run's record and exports the evidence again, so the bundle carries it.</summary>
    private static DrillReport File(DrillReport report, string repository, TrainingRunStatus status)
    {
        var record = TrainingRecord.Open(repository, report.RunId);
        var path = Path.Combine(record.Root, "drills", report.Drill + ".json");
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(path)!);
        var filed = report with { ReportPath = path, EvidencePath = status.EvidencePath };
        AtomicFile.WriteAllText(path, filed.Serialize());
        if (status.EvidencePath is { } evidence)
        {
            EvidenceExport.Export(repository, report.RunId, evidence, force: true);
        }

        return filed;
    }

    /// <summary>The contributors whose adapters went into the run's merges: each merge input's digest against the verdicts' adapter digests.</summary>
    private static HashSet<string> MergedContributors(string repository, string runId)
    {
        var merged = new HashSet<string>(StringComparer.Ordinal);
        if (TrainingRecord.Find(repository, runId) is not { } record)
        {
            return merged;
        }

        var byDigest = record.ReadVerdicts().Where(v => v.AdapterDigest is not null).ToLookup(v => v.AdapterDigest!, v => v.Contributor, StringComparer.Ordinal);
        foreach (var path in record.DocumentFiles("aggregations"))
        {
            var receipt = TrainingDocuments.ParseAggregation(TrainingRecord.ReadFile(path, TrainingDocumentFields.MaxBytes)!, path);
            merged.UnionWith(receipt.Inputs.SelectMany(input => byDigest["sha256:" + input.Sha256]));
        }

        return merged;
    }

    private static DrillCheck Saw(IReadOnlyList<SwarmEvent> events, string kind, string contributor)
    {
        var seen = events.Any(e => e.Kind == kind && Equals(e.Fields.GetValueOrDefault("contributor")?.ToString(), contributor));
        return new DrillCheck(kind, seen, seen ? $"the coordinator recorded {kind} for {contributor}" : $"the coordinator recorded no {kind} for {contributor}");
    }

    /// <summary>The site's events so far, read as Get-SwarmEvent reads them (the site has started: its status.json is there).</summary>
    private static IReadOnlyList<SwarmEvent> Events(SiteRunLayout layout) =>
        new EventTimeline(new[] { layout.SiteDirectory }).Read(EventFilter.All);

    /// <summary>Waits for the event; after <paramref name="timeout"/> returns when <paramref name="quietly"/>, else fails (FailureDrillTimedOut).</summary>
    private static async Task WaitForEventAsync(SiteRunLayout layout, string kind, string contributor, TimeSpan timeout, CancellationToken cancellationToken, bool quietly = false)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!Events(layout).Any(e => e.Kind == kind && Equals(e.Fields.GetValueOrDefault("contributor")?.ToString(), contributor)))
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                if (quietly)
                {
                    return;
                }

                throw new SwarmException("FailureDrillTimedOut",
                    $"The site {layout.Site} recorded no {kind} for contributor {contributor} within {timeout.TotalSeconds:0} s, so the drill could not be planted.",
                    $"Read the run's events (Get-SwarmEvent -Path {layout.SiteDirectory}) for why; the drill's sites were stopped.",
                    SwarmErrorCategory.OperationTimeout, contributor);
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int AgentProcessGroup(SiteRunLayout layout, string agent)
    {
        var record = SiteStatusFile.TryRead(layout.StatusFile)?.Agents.FirstOrDefault(a => a.Name == agent)?.Process;
        return record is { LeadsGroup: true, Pid: > 1 } ? record.Pid : throw new SwarmException("FailureDrillTargetNotFound",
            $"The process of contributor {agent} is not recorded as the leader of its own process group in {layout.StatusFile}.",
            "Run the drill on Linux or macOS with setsid available; the drill signals the contributor's whole process group.",
            SwarmErrorCategory.ObjectNotFound, agent);
    }

    /// <summary>Gives each site a few seconds to end by itself (its roles are done), then stops what is left: a drill leaves nothing running.</summary>
    private static async Task EndSitesAsync(IEnumerable<SiteRunLayout> layouts, IExchange exchange)
    {
        var started = layouts.Where(layout => System.IO.File.Exists(layout.StatusFile)).ToList();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTimeOffset.UtcNow < deadline && started.Any(layout => SiteStatusFile.TryRead(layout.StatusFile)?.State.IsActive() == true))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }

        foreach (var layout in started)
        {
            await SiteStopper.StopAsync(layout, exchange, TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<TrainingRunStatus> WaitForEndAsync(SiteRunLayout coordinatorSite, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            if (TrainingRunStatus.TryRead(coordinatorSite.SiteDirectory) is { Phase: TrainingPhase.Published or TrainingPhase.Blocked or TrainingPhase.Failed or TrainingPhase.Stopped } ended)
            {
                return ended;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new SwarmException("FailureDrillTimedOut",
                    $"The coordinator of run {coordinatorSite.RunId} did not end the run within {timeout.TotalMinutes:0.#} minutes.",
                    $"Read its status (Get-SwarmTrainingStatus -RunId {coordinatorSite.RunId}) and events; the drill's sites were stopped.",
                    SwarmErrorCategory.OperationTimeout, coordinatorSite.RunId);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }
}
