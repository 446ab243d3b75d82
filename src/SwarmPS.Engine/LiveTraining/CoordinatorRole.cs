using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// The coordinator of a live training run, as an agent of its site. While the run trains it admits each
/// contributor that proves it holds the admission token (a refusal is an event), watches their heartbeats
/// against the plan's stale-worker threshold and contributor-loss grace, stops the run when a contributor
/// reports another plan, and waits for the stragglers no longer than the plan's worker skew plus the grace
/// after the first contribution arrived. Then it reviews every contribution that arrived (replaying the stale
/// ones and those the plan samples, on its own trainer), merges the accepted ones exactly, evaluates and
/// publishes only under the plan's gates, and exports the evidence. Every step is an event of its site and a
/// line of the status document Get-SwarmTrainingStatus reads. Exit codes (<see cref="TrainingRoleHost"/>): 0 the run ended (published or
/// blocked: the status says which), 1 the coordinator failed, 3 stopped for a drift.
/// </summary>
public sealed class CoordinatorRole(LiveTrainingSettings settings, TrainingRoleContext context, IExchange exchange)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, ContributionVerdict> _verdicts = new(StringComparer.Ordinal);
    private TrainingPlan _plan = null!;
    private List<ContributorWatch> _watches = null!;
    private TrainingPhase _phase = TrainingPhase.Training;
    private string? _detail;
    private string? _destination;
    private string? _evidence;
    private TrainingRunStatus? _reported;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        _plan = settings.LoadPlan();
        var coordinator = settings.Coordinator ?? throw new SwarmException("TrainingRoleUnknown",
            $"Site {context.Site} has no coordinator settings, and the plan's coordinator runs on {_plan.CoordinatorSite}.",
            "Start the coordinator's site with Start-SwarmTraining -Site <the plan's coordinator site>.",
            SwarmErrorCategory.InvalidArgument, context.Site);
        _watches = _plan.Contributors.Select(c => new ContributorWatch(c)).ToList();
        try
        {
            var token = Environment.GetEnvironmentVariable(_plan.AdmissionTokenVariable);
            if (string.IsNullOrEmpty(token))
            {
                throw new SwarmException("AdmissionTokenMissing",
                    $"The coordinator has no admission token: {_plan.AdmissionTokenVariable} is not set, so it could admit nobody.",
                    $"Set {_plan.AdmissionTokenVariable} (the plan's admission_token_env) before Start-SwarmTraining on the coordinator's site.",
                    SwarmErrorCategory.InvalidOperation, _plan.AdmissionTokenVariable);
            }

            Report("admitting contributors");
            var mailbox = new RoleMailbox(exchange, context, message => message.Contributor, stray => context.Record("training_message_ignored", ("body", stray)));
            if (!await WatchTrainingAsync(mailbox, token, cancellationToken).ConfigureAwait(false))
            {
                return TrainingRoleHost.Stopped;
            }

            await ReviewAsync(coordinator, cancellationToken).ConfigureAwait(false);
            var (outcome, detail) = await PublishAsync(coordinator, cancellationToken).ConfigureAwait(false);
            ExportEvidence(coordinator);
            // The final phase last, once the evidence is out: whoever waits for it (a drill, an operator's
            // script) finds everything the run will write already written.
            _phase = outcome;
            Report(detail);
            await StopStragglersAsync(mailbox, cancellationToken).ConfigureAwait(false);
            return TrainingRoleHost.Ended;
        }
        catch (Exception error) when (error is SwarmException or IOException || (error is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var reason = error is SwarmException swarm ? $"{swarm.ErrorId}: {swarm.Message}" : error.Message;
            _phase = error is OperationCanceledException ? TrainingPhase.Stopped : TrainingPhase.Failed;
            Report(reason);
            context.Record("training_failed", ("reason", reason));
            if (error is OperationCanceledException)
            {
                throw;
            }

            Console.Error.WriteLine(reason);
            return TrainingRoleHost.Failed;
        }
    }

    /// <summary>Admits, watches and waits; false when the run was stopped for a drift.</summary>
    private async Task<bool> WatchTrainingAsync(RoleMailbox mailbox, string token, CancellationToken cancellationToken)
    {
        DateTimeOffset? firstContribution = null;
        while (!_watches.All(w => w.Settled))
        {
            foreach (var message in await mailbox.ReceiveAsync(Poll, cancellationToken).ConfigureAwait(false))
            {
                var watch = _watches.FirstOrDefault(w => w.Contributor.Id == message.Contributor);
                if (watch is null)
                {
                    context.Record("training_message_ignored", ("contributor", message.Contributor), ("kind", message.Kind), ("reason", "not a contributor of the plan"));
                    continue;
                }

                if (message.Kind == TrainingMessage.Join && !await AdmitAsync(mailbox, watch, message, token, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                var now = DateTimeOffset.UtcNow;
                switch (message.Kind)
                {
                    case TrainingMessage.Heartbeat:
                        watch.Heartbeat(now, message.Step, message.Loss);
                        break;
                    case TrainingMessage.Contributed:
                        watch.Contributed(now, message.ManifestDigest);
                        firstContribution ??= now;
                        context.Record("contribution_arrived", ("contributor", watch.Contributor.Id), ("manifest_digest", message.ManifestDigest));
                        break;
                    case TrainingMessage.Failed:
                        watch.Failed(message.Reason ?? "its trainer failed");
                        context.Record("contributor_failed", ("contributor", watch.Contributor.Id), ("reason", message.Reason));
                        break;
                }
            }

            var at = DateTimeOffset.UtcNow;
            foreach (var watch in _watches)
            {
                switch (watch.Tick(at, _plan))
                {
                    case "stale":
                        context.Record("worker_stale", ("contributor", watch.Contributor.Id), ("silent_ms", (long)watch.LongestGap.TotalMilliseconds));
                        break;
                    case "lost":
                        context.Record("contributor_lost", ("contributor", watch.Contributor.Id), ("silent_ms", (long)watch.LongestGap.TotalMilliseconds));
                        break;
                }

                if (firstContribution is { } first && at - first > _plan.MaxWorkerSkew + _plan.ContributorLossGrace && !watch.Settled)
                {
                    watch.Late($"no contribution {(_plan.MaxWorkerSkew + _plan.ContributorLossGrace).TotalMilliseconds:0} ms after the first one (the plan's worker skew plus its grace): left out");
                    context.Record("contributor_late", ("contributor", watch.Contributor.Id));
                }
            }

            Report(Waiting());
        }

        return true;
    }

    private async Task<bool> AdmitAsync(RoleMailbox mailbox, ContributorWatch watch, TrainingMessage join, string token, CancellationToken cancellationToken)
    {
        if (watch.State != ContributorState.Waiting)
        {
            return true; // a join sent again (a lost answer): the first decision stands
        }

        // The proof first, over the plan the contributor says it holds: only a holder of the token can make a
        // drift stop the run, and a join without the token is refused whatever plan it names.
        if (!AdmissionProof.Verify(token, context.RunId, watch.Contributor.Id, join.PlanDigest ?? "", join.Proof))
        {
            var refusal = join.Proof is null ? "it holds no admission token" : "its admission proof does not match the plan's token";
            watch.Refused(refusal);
            context.Record("admission_refused", ("contributor", watch.Contributor.Id), ("reason", refusal));
            await mailbox.SendAsync(watch.Contributor.Id, new TrainingMessage { Kind = TrainingMessage.Refused, Contributor = watch.Contributor.Id, Reason = refusal },
                TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (join.PlanDigest != _plan.Digest)
        {
            // The seed runbook's stop condition: a contributor holds another contract than the run's.
            var reason = $"contributor {watch.Contributor.Id} reports plan {join.PlanDigest ?? "(none)"}, the run's plan is {_plan.Digest}";
            context.Record("plan_drift", ("contributor", watch.Contributor.Id), ("reported", join.PlanDigest), ("plan_digest", _plan.Digest));
            foreach (var other in _watches.Where(w => w.State == ContributorState.Training || w == watch))
            {
                await TellToStopAsync(mailbox, other, reason, cancellationToken).ConfigureAwait(false);
            }

            _phase = TrainingPhase.Stopped;
            Report($"stopped: {reason}");
            return false;
        }

        watch.Admitted(DateTimeOffset.UtcNow);
        context.Record("contributor_admitted", ("contributor", watch.Contributor.Id));
        await mailbox.SendAsync(watch.Contributor.Id, new TrainingMessage { Kind = TrainingMessage.Admitted, Contributor = watch.Contributor.Id, PlanDigest = _plan.Digest },
            TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task ReviewAsync(CoordinatorSettings coordinator, CancellationToken cancellationToken)
    {
        _phase = TrainingPhase.Reviewing;
        Report("validating the contributions that arrived");
        var trainer = new CoordinatorTrainer("dotnet.cpu", coordinator.ReplayTrainer[0], coordinator.ReplayTrainer.Skip(1).ToList());
        using var inbox = new ContributionInbox(context.Connection);
        var contributed = _watches.Where(w => w.State == ContributorState.Contributed).ToDictionary(w => w.Contributor.Id, StringComparer.Ordinal);
        foreach (var arrived in await inbox.ListAsync(context.RunId, contributed.ContainsKey, cancellationToken).ConfigureAwait(false))
        {
            var options = new ReviewOptions { Replay = contributed[arrived.Contributor].Stale, Trainer = trainer, DataDirectory = settings.DataDirectory };
            var outcome = await ContributionReview.ReviewArrivedAsync(coordinator.Repository, _plan, arrived, inbox, options, cancellationToken).ConfigureAwait(false);
            _verdicts[arrived.Contributor] = outcome.Verdict;
            context.Record("contribution_reviewed", ("contributor", arrived.Contributor), ("verdict", outcome.Verdict.Verdict.ToString()), ("replay_checked", outcome.Verdict.ReplayChecked),
                ("replay", outcome.Replay?.Match.ToString()));
            Report($"reviewed {_verdicts.Count} of {contributed.Count}");
        }
    }

    /// <summary>Merges, evaluates and decides; returns the run's final phase (Published or Blocked) and why.</summary>
    private async Task<(TrainingPhase Outcome, string Detail)> PublishAsync(CoordinatorSettings coordinator, CancellationToken cancellationToken)
    {
        _phase = TrainingPhase.Publishing;
        var accepted = _verdicts.Values.Count(v => v.Verdict == VerdictKind.Accepted);
        if (accepted < _plan.Gates.MinimumAccepted || accepted == 0)
        {
            // Below the gate nothing is merged, so nothing half-made can be published.
            context.Record("training_blocked", ("accepted", accepted), ("min_accepted", _plan.Gates.MinimumAccepted));
            return (TrainingPhase.Blocked, $"blocked: {accepted} accepted contribution(s), the plan's gate needs {_plan.Gates.MinimumAccepted}");
        }

        Report($"merging {accepted} accepted contribution(s)");
        var record = TrainingRecord.Open(coordinator.Repository, context.RunId);
        var merged = Path.Combine(record.Root, "merged", "adapter.safetensors");
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(merged)!);
        var aggregation = RunAggregation.Merge(coordinator.Repository, _verdicts.Values.ToList(), AggregationMethod.Exact, merged, trimFraction: null, overwrite: true, cancellationToken);
        context.Record("contributions_merged", ("method", "Exact"), ("inputs", aggregation.Receipt.Inputs.Count), ("output_digest", "sha256:" + aggregation.Receipt.OutputDigest));

        var trainer = new CoordinatorTrainer("dotnet.cpu", coordinator.ReplayTrainer[0], coordinator.ReplayTrainer.Skip(1).ToList());
        var publication = await SnapshotPublication.PublishAsync(new SnapshotRequest
        {
            RepositoryRoot = coordinator.Repository,
            RunId = context.RunId,
            Plan = _plan,
            Aggregation = aggregation.Receipt,
            HeldOutPath = coordinator.HeldOutPath,
            Trainer = trainer,
            Destination = coordinator.Destination,
        }, cancellationToken).ConfigureAwait(false);
        var published = publication.Receipt.Publish == PublishDisposition.Published;
        _destination = published ? publication.Receipt.Destination : null;
        context.Record(published ? "snapshot_published" : "snapshot_refused", ("destination", publication.Receipt.Destination), ("reasons", string.Join("; ", publication.Receipt.Reasons)));
        return published
            ? (TrainingPhase.Published, $"published to {publication.Receipt.Destination}")
            : (TrainingPhase.Blocked, $"blocked: {string.Join("; ", publication.Receipt.Reasons)}");
    }

    /// <summary>The run's evidence, published or blocked: a blocked run's verdicts are evidence too. None when nothing was reviewed.</summary>
    private void ExportEvidence(CoordinatorSettings coordinator)
    {
        if (TrainingRecord.Find(coordinator.Repository, context.RunId) is null)
        {
            return;
        }

        var evidence = EvidenceExport.Export(coordinator.Repository, context.RunId, coordinator.EvidencePath, force: true);
        _evidence = evidence.Path;
        context.Record("evidence_exported", ("path", evidence.Path), ("files", evidence.Files), ("problems", evidence.Problems.Count));
    }

    /// <summary>Contributors still training when the run ended (late ones) are told to stop, so they leave no work behind.</summary>
    private async Task StopStragglersAsync(RoleMailbox mailbox, CancellationToken cancellationToken)
    {
        foreach (var watch in _watches.Where(w => w.State == ContributorState.Late))
        {
            await TellToStopAsync(mailbox, watch, "the run ended without it", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task TellToStopAsync(RoleMailbox mailbox, ContributorWatch watch, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await mailbox.SendAsync(watch.Contributor.Id, new TrainingMessage { Kind = TrainingMessage.Stop, Contributor = watch.Contributor.Id, Reason = reason },
                TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException)
        {
            // Its site may be gone already (or never started); nothing waits on it.
        }
    }

    private string Waiting()
    {
        var open = _watches.Where(w => !w.Settled).Select(w => $"{w.Contributor.Id} ({w.State.ToString().ToLowerInvariant()})").ToList();
        return open.Count == 0 ? "every contributor has settled" : "waiting for " + string.Join(", ", open);
    }

    /// <summary>Rewrites the status document, only when something in it changed (the watch loop reports every poll).</summary>
    private void Report(string detail)
    {
        _detail = detail;
        var status = new TrainingRunStatus
        {
            RunId = context.RunId,
            PlanDigest = _plan.Digest,
            Phase = _phase,
            Detail = _detail,
            Contributors = _watches.Select(w => w.ToStatus(context.RunId, _phase, _detail, _verdicts.GetValueOrDefault(w.Contributor.Id))).ToList(),
            Destination = _destination,
            EvidencePath = _evidence,
        };
        if (_reported is not null && SameContent(_reported, status))
        {
            return;
        }

        _reported = status;
        (status with { UpdatedAt = DateTimeOffset.UtcNow }).Write(context.RunDirectory);
    }

    // Records compare their lists by reference, so the contributors are compared one by one.
    private static bool SameContent(TrainingRunStatus a, TrainingRunStatus b) =>
        a with { Contributors = Array.Empty<TrainingContributorStatus>() } == b with { Contributors = Array.Empty<TrainingContributorStatus>() }
        && a.Contributors.SequenceEqual(b.Contributors);
}
