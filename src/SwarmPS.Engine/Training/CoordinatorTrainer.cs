using System.Globalization;
using System.Text.Json;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Training;

/// <summary>
/// A trainer the coordinator has, to replay contributions and to evaluate a merged adapter on the held-out
/// shard: a program that follows docs/trainer-contract.md, and the backend label it reports. The module
/// ships <c>dotnet.cpu</c> (<see cref="DotnetCpu"/>), deterministic, so a replay on it compares bitwise with
/// a <c>dotnet.cpu</c> contribution and within the plan's tolerance with any other.
/// </summary>
public sealed record CoordinatorTrainer(string Backend, string Program, IReadOnlyList<string> Arguments)
{
    /// <summary>How long one job may run before it is stopped; a contribution's steps bound its work.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The module's own trainer: <c>dotnet &lt;module&gt;/bin/trainer/SwarmPS.Trainer.dll</c>.</summary>
    public static CoordinatorTrainer DotnetCpu(string trainerDll, string dotnet)
    {
        if (!File.Exists(trainerDll))
        {
            throw new SwarmException("CoordinatorTrainerNotFound",
                $"The module's dotnet.cpu trainer is not at {trainerDll}.",
                "Rebuild the module (dotnet build SwarmPS.sln) or reinstall it: the trainer ships in its bin/trainer folder.",
                SwarmErrorCategory.ObjectNotFound, trainerDll);
        }

        return new CoordinatorTrainer("dotnet.cpu", dotnet, new[] { trainerDll });
    }

    /// <summary>
    /// Trains the replay of one contribution into <paramref name="outputDirectory"/>: the contribution's own
    /// seed, shard, steps and base, the plan's learning rate and contract.
    /// </summary>
    public async Task<ReplayRun> ReplayAsync(TrainingPlan plan, ContributionManifest contribution, string dataDirectory, string outputDirectory, CancellationToken cancellationToken)
    {
        var dataPath = Path.Combine(Path.GetFullPath(dataDirectory), contribution.DataShard + ".txt");
        if (!File.Exists(dataPath))
        {
            throw new SwarmException("ReplayDataNotFound",
                $"The replay of {contribution.Contributor} needs its shard '{contribution.DataShard}', and {dataPath} does not exist.",
                "Give -DataDirectory the folder holding each shard as <shard>.txt (the plan's shard ids).",
                SwarmErrorCategory.ObjectNotFound, dataPath);
        }

        var job = TrainerJobFiles.Train(plan, Backend, contribution.RunId, contribution.Contributor, contribution.Site, contribution.DataShard, dataPath,
            contribution.Steps, contribution.Seed, outputDirectory);
        await RunAsync(job, outputDirectory, $"replay {contribution.Contributor}", cancellationToken).ConfigureAwait(false);
        return ReplayRun.Load(outputDirectory);
    }

    /// <summary>
    /// The held-out loss of the base with and without <paramref name="adapterPath"/> on <paramref name="heldOutPath"/>
    /// (its file name without extension is the shard's name): the trainer's evaluate mode, read back as the
    /// receipt the publication gate takes.
    /// </summary>
    public async Task<EvaluationReceipt> EvaluateAsync(TrainingPlan plan, string adapterPath, string heldOutPath, string outputDirectory, CancellationToken cancellationToken)
    {
        if (!File.Exists(heldOutPath))
        {
            throw new SwarmException("HeldOutDataNotFound",
                $"The held-out data file {heldOutPath} does not exist.",
                "Give -HeldOutPath the text file no contributor trained on (docs/trainer-contract.md, \"The corpus\").",
                SwarmErrorCategory.ObjectNotFound, heldOutPath);
        }

        var job = TrainerJobFiles.Evaluate(plan, Backend, adapterPath, heldOutPath, outputDirectory);
        await RunAsync(job, outputDirectory, "evaluate the merged adapter", cancellationToken).ConfigureAwait(false);
        var evaluation = Path.Combine(outputDirectory, "evaluation.json");
        return TrainingDocuments.ParseEvaluation(TrainingRecord.ReadFile(evaluation, TrainingDocumentFields.MaxBytes) ?? Array.Empty<byte>(), evaluation);
    }

    /// <summary>Writes the job beside its output, owner-only, and runs the trainer on it; <c>CoordinatorTrainerFailed</c> with the trainer's own error.</summary>
    private async Task RunAsync(Dictionary<string, object?> job, string outputDirectory, string what, CancellationToken cancellationToken)
    {
        var jobPath = TrainerJobFiles.Write(job, outputDirectory);
        var result = await ProcessRunner.RunAsync(new ShellCommand(Program, Arguments.Append(jobPath).ToArray()) { Timeout = Timeout }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new SwarmException("CoordinatorTrainerFailed",
                $"The {Backend} trainer could not {what}: {Describe(result)}",
                $"Read the job {jobPath} and the trainer's message; docs/trainer-contract.md lists its error ids.",
                SwarmErrorCategory.InvalidOperation, jobPath);
        }
    }

    /// <summary>The trainer's own error line (contract: one JSON object with error_id and message), else how it ended.</summary>
    private static string Describe(ShellResult result)
    {
        if (result.TimedOut)
        {
            return "it did not finish in time and was stopped.";
        }

        var last = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        try
        {
            using var line = JsonDocument.Parse(last);
            if (line.RootElement.ValueKind == JsonValueKind.Object
                && line.RootElement.TryGetProperty("error_id", out var id) && line.RootElement.TryGetProperty("message", out var message))
            {
                return $"{id.GetString()}: {message.GetString()}";
            }
        }
        catch (JsonException)
        {
        }

        var error = result.StandardError.Trim();
        return string.Create(CultureInfo.InvariantCulture, $"it exited {result.ExitCode}{(error.Length > 0 ? ": " + error[..Math.Min(400, error.Length)] : ".")}");
    }
}
