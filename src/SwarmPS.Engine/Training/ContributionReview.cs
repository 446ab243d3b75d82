using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Training;

/// <summary>What the coordinator was asked to do beyond the plan: replay on request, and the replays it made.</summary>
public sealed record ReviewOptions
{
    /// <summary>Replay this contribution even if the plan's sample does not pick it.</summary>
    public bool Replay { get; init; }

    /// <summary>Replays the coordinator trained (trainer output directories); each applies to the contribution its manifest names.</summary>
    public IReadOnlyList<ReplayRun> Replays { get; init; } = Array.Empty<ReplayRun>();

    /// <summary>
    /// The trainer to replay with, and the folder holding the shards (<c>&lt;shard&gt;.txt</c>): with both, a
    /// contribution that needs a replay and has none is replayed here and now.
    /// </summary>
    public CoordinatorTrainer? Trainer { get; init; }

    public string? DataDirectory { get; init; }
}

/// <summary>
/// A reviewed contribution: its verdict, the replay receipt applied (if any), the replay run of the options
/// that produced it (null when none was given for it, or an earlier receipt was kept), and what the ledger
/// could not record.
/// </summary>
public sealed record ReviewOutcome(ContributionVerdict Verdict, ReplayReceipt? Replay, ReplayRun? ReplayUsed, IReadOnlyList<string> Notes);

/// <summary>
/// The coordinator's review of one contribution, from its arrival to its verdict: the manifest is filed in
/// the run's record exactly as it arrived, the adapter is fetched (or copied) into the record, so what was
/// checked is what is kept; the contribution is validated against the plan (a replay when asked for or
/// sampled); a replay receipt, new or kept from an earlier review of the same adapter, is applied; and
/// the contribution and its validation are each recorded as a run in the ledger.
/// </summary>
public static class ContributionReview
{
    /// <summary>A contribution listed by the exchange (Get-SwarmContribution): its adapter is downloaded, digest checked, into the record.</summary>
    public static async Task<ReviewOutcome> ReviewArrivedAsync(
        string repositoryRoot, TrainingPlan? plan, ArrivedContribution arrived, ContributionInbox inbox, ReviewOptions options, CancellationToken cancellationToken = default)
    {
        var record = TrainingRecord.Open(repositoryRoot, arrived.RunId);
        var runPlan = RunPlan.Resolve(record, plan, repositoryRoot);
        if (arrived.Manifest is null || arrived.ManifestBytes is null)
        {
            // Kept as evidence of what arrived, when there is something to keep.
            if (arrived.ManifestBytes is { } unread)
            {
                record.SaveManifest(arrived.Contributor, unread);
            }

            var unreadable = new ContributionVerdict(arrived.RunId, arrived.Contributor, arrived.ManifestDigest, VerdictKind.Rejected,
                new[] { new ContributionCheck("manifest", false, arrived.Problem ?? "the manifest could not be read") })
            {
                AdapterDigest = arrived.AdapterDigest,
            };
            return Conclude(repositoryRoot, record, unreadable, replay: null);
        }

        record.SaveManifest(arrived.Contributor, arrived.ManifestBytes);
        var adapter = Path.Combine(record.ContributionDirectory(arrived.Contributor), ContributionFiles.Adapter);
        if (!File.Exists(adapter) || DigestOf(adapter) != arrived.AdapterDigest)
        {
            await inbox.FetchAdapterAsync(arrived, adapter, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return await ReviewAsync(repositoryRoot, record, runPlan, arrived.Manifest, arrived.ManifestDigest, adapter, arrived.AdapterDigest, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A contribution directory on this machine (a trainer's output): manifest and adapter are copied into the record.</summary>
    public static Task<ReviewOutcome> ReviewLocalAsync(string repositoryRoot, TrainingPlan? plan, string contributionDirectory, ReviewOptions options, CancellationToken cancellationToken = default)
    {
        var (manifest, bytes) = ContributionFiles.ReadManifest(contributionDirectory);
        var record = TrainingRecord.Open(repositoryRoot, manifest.RunId);
        var runPlan = RunPlan.Resolve(record, plan, repositoryRoot);
        record.SaveManifest(manifest.Contributor, bytes);
        var adapter = Path.Combine(record.ContributionDirectory(manifest.Contributor), ContributionFiles.Adapter);
        var source = ContributionFiles.AdapterOf(contributionDirectory);
        AtomicFile.Write(adapter, target =>
        {
            using var stream = File.OpenRead(source);
            stream.CopyTo(target);
        });
        return ReviewAsync(repositoryRoot, record, runPlan, manifest, ContributionManifestJson.DigestOf(bytes), adapter, uploadDigest: null, options, cancellationToken);
    }

    private static async Task<ReviewOutcome> ReviewAsync(
        string repositoryRoot, TrainingRecord record, TrainingPlan plan, ContributionManifest manifest, string manifestDigest, string adapter, string? uploadDigest,
        ReviewOptions options, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        notes.AddRange(TrainingLedger.Record(repositoryRoot, TrainingStep.Contribution, record.RunId, manifest.Contributor, new Dictionary<string, string>
        {
            ["manifest_digest"] = manifestDigest,
            ["adapter_digest"] = uploadDigest ?? manifest.AdapterDigest,
            ["site"] = manifest.Site,
            ["backend"] = manifest.Backend,
        }, succeeded: true).Notes);

        var replayRequired = options.Replay || ReplaySelection.Picks(plan, manifest.Contributor);
        var verdict = ContributionValidator.Validate(manifest, adapter, uploadDigest, plan.ValidationRules, replayRequired);
        // The manifest's digest is of its bytes as they arrived (and are filed), not of their canonical form.
        verdict = verdict with { ManifestDigest = manifestDigest };

        var replayRun = options.Replays.FirstOrDefault(run => run.Manifest.RunId == manifest.RunId && run.Manifest.Contributor == manifest.Contributor);
        var earlier = record.ReadReplay(manifest.Contributor) is { } filed && filed.ContributedDigest == verdict.AdapterDigest ? filed : null;
        if (replayRun is null && earlier is null && verdict.Verdict == VerdictKind.ReplayRequired && options is { Trainer: { } trainer, DataDirectory: { } data })
        {
            var output = Path.Combine(record.ContributionDirectory(manifest.Contributor), "replay-" + Guid.NewGuid().ToString("N")[..8]);
            replayRun = await trainer.ReplayAsync(plan, manifest, data, output, cancellationToken).ConfigureAwait(false);
        }

        var replay = replayRun is not null
            ? ReplayComparison.Compare(verdict, replayRun.CheckComparable(manifest).AdapterPath, replayRun.Manifest.Backend, plan.ReplayTolerance)
            : earlier;
        if (replay is not null)
        {
            if (replayRun is not null)
            {
                record.SaveReplay(replay);
            }

            verdict = ReplayVerdict.Apply(verdict, replay);
        }

        var outcome = Conclude(repositoryRoot, record, verdict, replay);
        return outcome with { ReplayUsed = replayRun, Notes = notes.Concat(outcome.Notes).ToList() };
    }

    /// <summary>Files the verdict and records the validation: a Rejected contribution is a failed validation run.</summary>
    private static ReviewOutcome Conclude(string repositoryRoot, TrainingRecord record, ContributionVerdict verdict, ReplayReceipt? replay)
    {
        record.SaveVerdict(verdict);
        var ledger = TrainingLedger.Record(repositoryRoot, TrainingStep.Validation, record.RunId, verdict.Contributor, new Dictionary<string, string>
        {
            ["manifest_digest"] = verdict.ManifestDigest,
            ["adapter_digest"] = verdict.AdapterDigest,
            ["verdict"] = verdict.Verdict.ToString(),
            ["replay_checked"] = verdict.ReplayChecked ? "true" : "false",
        }, succeeded: verdict.Verdict != VerdictKind.Rejected);
        return new ReviewOutcome(verdict, replay, ReplayUsed: null, ledger.Notes);
    }

    private static string DigestOf(string path)
    {
        using var stream = File.OpenRead(path);
        return BlobDigest.Of(stream).ToString();
    }
}
