using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Checks what a training plan refers to on this machine, seen from the coordinator's site: the base
/// snapshot (there, a regular safetensors file, the digest the plan names, the tiny model's five tensors),
/// the admission token variable (set, its value never read past "is it empty"), the data shards of the
/// contributors on this site and of any other whose shard lies here, and a trainer for every backend named.
/// Problems are findings, not exceptions: an operator fixes them all in one pass, and an empty list means the
/// plan is ready here. What the reader already refused (timings, gates, shapes of values) is not repeated:
/// a plan object exists only when it read. docs/training-plan.md ("Checking a plan here") lists the codes.
/// </summary>
public static class TrainingPlanCheck
{
    public const string DotnetBackend = "dotnet.cpu";

    public const string PytorchBackend = "pytorch.cpu";

    /// <summary>The dotnet.cpu trainer's entry assembly in the module's <c>bin/trainer</c> folder.</summary>
    public const string DotnetTrainerAssembly = "SwarmPS.Trainer.dll";

    public static async Task<IReadOnlyList<TrainingPlanFinding>> CheckAsync(TrainingPlan plan, TrainingPlanCheckOptions options, CancellationToken cancellationToken = default)
    {
        var findings = new List<TrainingPlanFinding>();
        CheckBaseSnapshot(plan, findings);
        CheckAdmissionToken(plan, options, findings);
        foreach (var contributor in plan.Contributors)
        {
            CheckShard(plan, contributor, options, findings);
        }

        foreach (var backend in plan.Contributors.Select(c => c.Backend).Distinct(StringComparer.Ordinal))
        {
            await CheckTrainerAsync(plan, backend, options, findings, cancellationToken).ConfigureAwait(false);
        }

        return findings;
    }

    private static void CheckBaseSnapshot(TrainingPlan plan, List<TrainingPlanFinding> findings)
    {
        var path = plan.BaseSnapshotPath;
        var fix = $"Put the base snapshot at {path} (the plan's base_snapshot.path, relative to the plan file), or write the path where it is.";
        try
        {
            if (!BoundedFileRead.IsRegularFile(path, followLinks: true))
            {
                findings.Add(Error("BaseSnapshotNotFound", path, $"The base snapshot {path} does not exist.", fix));
                return;
            }
        }
        catch (FileRefusedException error)
        {
            findings.Add(Error("BaseSnapshotNotRegular", path, $"The base snapshot {path} is not a regular file: {error.Message}", fix));
            return;
        }

        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Open(path);
        }
        catch (SwarmException error)
        {
            // A truncated copy or a file that is not safetensors at all: its digest cannot match either, and
            // the reason the format gives (which byte is wrong) is the more useful one.
            findings.Add(Error(
                "BaseSnapshotUnreadable", path, $"The base snapshot {path} does not open as safetensors ({error.ErrorId}): {error.Message}",
                "Copy the base snapshot again from where it was published (a partial copy is the usual cause) and compare its sha256 with the plan's digest."));
            return;
        }

        using (file)
        {
            var digest = BlobDigest.Prefix + file.ComputeSha256();
            if (!string.Equals(digest, plan.BaseSnapshotDigest, StringComparison.Ordinal))
            {
                findings.Add(Error(
                    "BaseSnapshotDigestMismatch", path, $"The base snapshot {path} has the digest {digest}, but the plan names {plan.BaseSnapshotDigest}.",
                    "Use the base snapshot the plan was written for, or, if this file is the intended base, write a new plan for it (New-SwarmTrainingPlan computes the digest): a plan's base is part of its contract."));
            }

            if (plan.Contract.TargetModules.Contains(BaseSnapshotLayout.TargetModule, StringComparer.Ordinal))
            {
                var differences = BaseSnapshotLayout.Differences(file);
                if (differences.Count > 0)
                {
                    findings.Add(Error(
                        "BaseSnapshotLayoutMismatch", path, $"The base snapshot {path} is not the tiny model's base: {string.Join("; ", differences)}.",
                        "Use a base snapshot written for the trainer contract (dotnet bin/trainer/SwarmPS.Trainer.dll with a 'base' job); docs/trainer-contract.md lists its five tensors."));
                }
            }
        }
    }

    private static void CheckAdmissionToken(TrainingPlan plan, TrainingPlanCheckOptions options, List<TrainingPlanFinding> findings)
    {
        // Only emptiness is looked at; the value itself never goes into a finding.
        if (string.IsNullOrEmpty(options.Environment(plan.AdmissionTokenVariable)))
        {
            findings.Add(new TrainingPlanFinding(
                "AdmissionTokenNotSet", FindingSeverity.Warning, plan.AdmissionTokenVariable,
                $"The admission token variable {plan.AdmissionTokenVariable} is not set in this environment; contributors started from here would be refused admission.",
                $"Set it before starting the run (export {plan.AdmissionTokenVariable}=... from your secret store); the token itself never goes in the plan."));
        }
    }

    private static void CheckShard(TrainingPlan plan, PlanContributor contributor, TrainingPlanCheckOptions options, List<TrainingPlanFinding> findings)
    {
        var here = string.Equals(contributor.Site, plan.CoordinatorSite, StringComparison.Ordinal);
        var subject = $"{contributor.Id} ({contributor.DataShard})";
        if (contributor.DataShard is "." or ".." || contributor.DataShard.IndexOfAny(new[] { '/', '\\' }) >= 0)
        {
            // A shard id is a name in the data directory; a path in it would read files outside it.
            findings.Add(Error(
                "DataShardNameInvalid", subject, $"Contributor {contributor.Id}'s shard '{contributor.DataShard}' is not a file name, so it names no file in the data directory.",
                "Name the shard by its file name without .txt (shard-0 for shard-0.txt), and point -DataDirectory at its folder."));
            return;
        }

        var path = Path.Combine(options.DataDirectory, contributor.DataShard + ".txt");
        var fix = $"Put the shard at {path}, or pass -DataDirectory with the folder that holds {contributor.DataShard}.txt.";
        try
        {
            if (!BoundedFileRead.IsRegularFile(path, followLinks: true))
            {
                // A contributor on another site keeps its shard there; only this site's own must be here.
                if (here)
                {
                    findings.Add(Error("DataShardNotFound", subject, $"Contributor {contributor.Id} trains on this site ({contributor.Site}), but its shard {path} does not exist.", fix));
                }

                return;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        }
        catch (FileRefusedException error)
        {
            findings.Add(Error("DataShardUnreadable", subject, $"Contributor {contributor.Id}'s shard {path} is not a regular file: {error.Message}", fix));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            findings.Add(Error("DataShardUnreadable", subject, $"Contributor {contributor.Id}'s shard {path} cannot be read: {error.Message}", $"Check its permissions (ls -l {path}); trainers read shards with your rights."));
        }
    }

    private static async Task CheckTrainerAsync(TrainingPlan plan, string backend, TrainingPlanCheckOptions options, List<TrainingPlanFinding> findings, CancellationToken cancellationToken)
    {
        // The coordinator replays contributions on this machine, so every backend matters here; one used
        // only on other sites is a warning (those sites train on it; only a replay here would need it).
        var users = plan.Contributors.Where(c => c.Backend == backend).ToList();
        var severity = users.Any(c => c.Site == plan.CoordinatorSite) ? FindingSeverity.Error : FindingSeverity.Warning;
        var who = string.Join(", ", users.Select(c => $"{c.Id} on {c.Site}"));
        switch (backend)
        {
            case DotnetBackend:
                var assembly = Path.Combine(options.TrainerDirectory, DotnetTrainerAssembly);
                if (!File.Exists(assembly))
                {
                    findings.Add(new TrainingPlanFinding(
                        "TrainerNotFound", severity, backend, $"The {backend} trainer ({who}) is not here: {assembly} does not exist.",
                        "Rebuild the module (dotnet build SwarmPS.sln) or reinstall it: the dotnet.cpu trainer ships in its bin/trainer folder."));
                }

                return;
            case PytorchBackend:
                var problem = await TorchProblemAsync(options, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    findings.Add(new TrainingPlanFinding(
                        "TrainerUnavailable", severity, backend, $"The {backend} trainer ({who}) cannot run here: {problem}.",
                        "Install Debian's PyTorch (apt-get install python3-torch) so that /usr/bin/python3 -c 'import torch' succeeds."));
                }

                return;
            default:
                findings.Add(new TrainingPlanFinding(
                    "BackendUnknown", FindingSeverity.Information, backend,
                    $"No trainer is known to SwarmPS for {backend} ({who}); any trainer following docs/trainer-contract.md can serve it.",
                    $"Make sure a trainer that reports the backend label {backend} is installed where those contributors run; SwarmPS cannot check it."));
                return;
        }
    }

    /// <summary>Why torch does not import with the options' python, or null when it does.</summary>
    private static async Task<string?> TorchProblemAsync(TrainingPlanCheckOptions options, CancellationToken cancellationToken)
    {
        if (options.Python is null)
        {
            return "there is no /usr/bin/python3 and no python3 on PATH";
        }

        ShellResult result;
        try
        {
            // An argv list, never a shell string; the timeout ends a python that hangs on a broken install.
            result = await ProcessRunner.RunAsync(new ShellCommand(options.Python, "-c", "import torch") { Timeout = options.ImportTimeout }, cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error) when (error.ErrorId == "CommandNotFound")
        {
            return $"{options.Python} cannot be started ({error.Message})";
        }

        if (result.TimedOut)
        {
            return $"'{options.Python} -c \"import torch\"' did not finish within {options.ImportTimeout.TotalSeconds:0} s";
        }

        if (result.ExitCode != 0)
        {
            var last = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {result.ExitCode}";
            return $"'{options.Python} -c \"import torch\"' fails: {last}";
        }

        return null;
    }

    private static TrainingPlanFinding Error(string code, string subject, string message, string remediation) =>
        new(code, FindingSeverity.Error, subject, message, remediation);
}
