namespace SwarmPS.Engine.Training;

/// <summary>What Publish-SwarmSnapshot is asked: which aggregation of which run, under which plan, with which evaluation, to where.</summary>
public sealed record SnapshotRequest
{
    public required string RepositoryRoot { get; init; }

    /// <summary>The run; null takes the aggregation's own (a merge of verdicts names its run).</summary>
    public string? RunId { get; init; }

    /// <summary>The plan; null takes the one the run froze.</summary>
    public TrainingPlan? Plan { get; init; }

    public required AdapterMergeReceipt Aggregation { get; init; }

    /// <summary>A trainer's evaluation.json of the merged adapter; null takes the one the record holds, if any.</summary>
    public string? EvaluationPath { get; init; }

    /// <summary>A held-out data file: with <see cref="Trainer"/>, the coordinator evaluates the merged adapter on it here.</summary>
    public string? HeldOutPath { get; init; }

    public CoordinatorTrainer? Trainer { get; init; }

    public required string Destination { get; init; }
}

/// <summary>A publication decided: its receipt, and what the ledger could not record.</summary>
public sealed record SnapshotOutcome(PublicationReceipt Receipt, IReadOnlyList<string> Notes);

/// <summary>
/// The coordinator's publication step around <see cref="SnapshotPublisher"/>: the run's record gives the
/// plan and the verdicts, the evaluation is given, made here on the held-out data, or taken from the record
/// (and filed there), the decision and what
/// was written are filed as the publication receipt, and the publication is recorded as a ledger run.
/// </summary>
public static class SnapshotPublication
{
    public static async Task<SnapshotOutcome> PublishAsync(SnapshotRequest request, CancellationToken cancellationToken = default)
    {
        var runId = request.RunId ?? request.Aggregation.RunId ?? throw new SwarmException("PublicationRunMissing",
            "The aggregation was merged from files named by path, so it names no run to publish for.",
            "Pass -RunId, or merge the run's verdicts (Get-SwarmContribution | Test-SwarmContribution | Merge-SwarmContribution).",
            SwarmErrorCategory.InvalidArgument);
        if (request.RunId is not null && request.Aggregation.RunId is { } merged && merged != request.RunId)
        {
            throw new SwarmException("PublicationRunMismatch",
                $"The aggregation is of run {merged}, and -RunId says {request.RunId}.",
                "Leave out -RunId, or publish an aggregation of that run.",
                SwarmErrorCategory.InvalidArgument, request.RunId);
        }

        if (request is { EvaluationPath: not null, HeldOutPath: not null })
        {
            throw new SwarmException("PublicationEvaluationTwice",
                "Both an evaluation file and held-out data were given; the gate judges one evaluation of the merged adapter.",
                "Give -EvaluationPath (a trainer's evaluation.json) or -HeldOutPath (evaluate here), not both.",
                SwarmErrorCategory.InvalidArgument);
        }

        // Before any evaluation is trained: a destination that would be refused wastes none.
        SnapshotPublisher.CheckDestination(Path.GetFullPath(request.Destination));
        var record = TrainingRecord.Open(request.RepositoryRoot, runId);
        var plan = RunPlan.Resolve(record, request.Plan, request.RepositoryRoot);
        var outputDigest = "sha256:" + request.Aggregation.OutputDigest;
        EvaluationReceipt? evaluation;
        if (request.EvaluationPath is { } path)
        {
            evaluation = TrainingDocuments.ParseEvaluation(
                TrainingRecord.ReadFile(path, TrainingDocumentFields.MaxBytes) ?? throw EvaluationNotFound(path), path);
            record.SaveEvaluation(evaluation);
        }
        else if (request is { HeldOutPath: { } heldOut, Trainer: { } trainer })
        {
            var output = Path.Combine(record.Root, "evaluation-runs", Guid.NewGuid().ToString("N")[..8]);
            evaluation = await trainer.EvaluateAsync(plan, request.Aggregation.OutputPath, heldOut, output, cancellationToken).ConfigureAwait(false);
            record.SaveEvaluation(evaluation);
        }
        else
        {
            evaluation = record.ReadEvaluation(outputDigest);
        }

        var receipt = SnapshotPublisher.Publish(runId, plan, request.Aggregation, record.ReadVerdicts(), evaluation, request.Destination);
        record.SavePublication(receipt);
        var ledger = TrainingLedger.Record(request.RepositoryRoot, TrainingStep.Publication, runId, outputDigest, new Dictionary<string, string>
        {
            ["plan_digest"] = plan.Digest,
            ["publish"] = receipt.Decision.Publish.ToString(),
            ["promotion"] = receipt.Decision.Promotion.ToString(),
            ["result"] = receipt.Decision.Result.ToString(),
            ["files"] = string.Join(",", receipt.Files.Select(f => $"{f.Name}={f.Digest}")),
        }, succeeded: receipt.Decision.Result != ResultClassification.Failed);
        return new SnapshotOutcome(receipt, ledger.Notes);
    }

    private static SwarmException EvaluationNotFound(string path) => new("EvaluationNotFound",
        $"There is no evaluation file at '{path}'.",
        "Give -EvaluationPath the evaluation.json a trainer's evaluate mode wrote for the merged adapter (docs/trainer-contract.md).",
        SwarmErrorCategory.ObjectNotFound, path);
}
