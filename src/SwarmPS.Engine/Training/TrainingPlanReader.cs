using System.Text.RegularExpressions;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Reads a training plan file (YAML, or JSON, which is YAML) into a <see cref="TrainingPlan"/>, with its digest.
/// The file goes through the configuration reader every SwarmPS file goes through (a regular file, at most
/// 1 MiB, UTF-8, no aliases, bounded depth and node count); then every field is read here, because a plan
/// is a contract and not a preference: an unknown field is refused rather than ignored (a misspelt
/// <c>replay_sampel</c> must not fall back to the default), a number written in quotes is refused, and
/// nothing is expanded from the environment (<c>${VAR}</c> stays as written), so one file reads the same on
/// every site. Every refusal is <c>TrainingPlanInvalid</c>, its message <c>file:line: field: problem</c>
/// and its remediation the fix; only a file that cannot be opened at all keeps the module's own file error
/// (<c>ConfigFileNotFound</c>, <c>ConfigPathIsDirectory</c>, ...). docs/training-plan.md lists every field.
/// </summary>
public static partial class TrainingPlanReader
{
    public const int MaxContributors = 1024;

    /// <summary>One day: no heartbeat or grace period of a training run is longer.</summary>
    public const int MaxMilliseconds = 86_400_000;

    /// <summary>The largest seed every backend's generator takes as is (.NET's Random takes an int).</summary>
    public const long MaxSeed = int.MaxValue;

    // Errors about opening the file rather than what it says: the operator fixes a path, not the plan.
    private static readonly HashSet<string> FileErrors = new(StringComparer.Ordinal)
    {
        "ConfigFileNotFound", "ConfigPathIsDirectory", "ConfigPathWildcard", "ConfigFileNotRegular", "ConfigFileUnreadable",
    };

    private static readonly string[] RootKeys =
    {
        "schema_version", "namespace", "coordinator", "base_snapshot", "adapter", "training", "admission_token_env", "timing",
        "contributors", "validation", "gates",
    };

    /// <summary>Reads the plan file at <paramref name="path"/> (a full path); its base snapshot path is resolved against the file's directory.</summary>
    public static TrainingPlan Load(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        var root = Parsed(path, () => ConfigDocument.Parse(ConfigFileReader.ReadText(path), path).Root);
        return FromTree(root, path, directory);
    }

    /// <summary>Runs the shared configuration parser, turning what it refuses about the text into <c>TrainingPlanInvalid</c>.</summary>
    internal static ConfigNode Parsed(string file, Func<ConfigNode> parse)
    {
        try
        {
            return parse();
        }
        catch (ConfigException error) when (!FileErrors.Contains(error.ErrorId))
        {
            var prefix = error.Location + ": ";
            var problem = error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
            throw new SwarmException(
                "TrainingPlanInvalid", $"{error.Location.File}:{error.Location.Line}: {problem}", error.Remediation, SwarmErrorCategory.InvalidData, error.Location.File, error);
        }
    }

    /// <summary>The plan a parsed tree holds, checked field by field and as a whole.</summary>
    internal static TrainingPlan FromTree(ConfigNode root, string file, string baseDirectory)
    {
        if (root is not ConfigMapping mapping)
        {
            throw new SwarmException(
                "TrainingPlanInvalid", $"{file}:{root.Location.Line}: the file holds {root.Describe()}; a training plan is a mapping of fields.",
                "Start the file with 'schema_version: 1' and the fields docs/training-plan.md lists; examples/training/plan.yaml is a complete plan.",
                SwarmErrorCategory.InvalidData, file);
        }

        var plan = new PlanSection(mapping, "", RootKeys);
        var version = plan.Int("schema_version", 1, int.MaxValue);
        if (version != TrainingPlan.CurrentSchemaVersion)
        {
            throw plan.Invalid("schema_version", $"it is {version}; this SwarmPS reads plans of version {TrainingPlan.CurrentSchemaVersion}", $"Write 'schema_version: {TrainingPlan.CurrentSchemaVersion}', or use the SwarmPS that wrote this plan.");
        }

        var coordinator = plan.Section("coordinator", "site");
        var snapshot = plan.Section("base_snapshot", "path", "digest");
        var adapter = plan.Section("adapter", "target_modules", "rank", "alpha", "dtype");
        var training = plan.Section("training", "steps", "seed", "learning_rate");
        var timing = plan.OptionalSection("timing", "heartbeat_interval_ms", "stale_worker_ms", "contributor_loss_grace_ms", "max_worker_skew_ms");
        var validation = plan.Section("validation", "max_update_norm", "replay_sample", "replay_tolerance");
        var gates = plan.OptionalSection("gates", "min_accepted", "min_replay_checked", "min_loss_improvement");

        var snapshotFile = ReadSnapshotPath(snapshot);
        var contributors = ReadContributors(plan);
        var heartbeat = timing?.OptionalInt("heartbeat_interval_ms", 1, MaxMilliseconds) ?? 1000;
        var stale = timing?.OptionalInt("stale_worker_ms", 1, MaxMilliseconds) ?? 5000;
        if (stale <= heartbeat)
        {
            // Below one interval every contributor would be stale between two heartbeats.
            throw (timing ?? plan).Invalid(
                timing?.Has("stale_worker_ms") == true ? "stale_worker_ms" : "heartbeat_interval_ms",
                $"stale_worker_ms ({stale}) must be longer than heartbeat_interval_ms ({heartbeat})",
                "Make stale_worker_ms a few heartbeat intervals (the defaults are 1000 and 5000).");
        }

        var minimumAccepted = gates?.OptionalInt("min_accepted", 1, MaxContributors) ?? new PublicationGates().MinimumAccepted;
        if (minimumAccepted > contributors.Count)
        {
            throw (gates ?? plan).Invalid(
                gates is null ? "contributors" : "min_accepted",
                $"the gate needs {minimumAccepted} accepted contributions but the plan has {contributors.Count} contributor(s), so it could never hold",
                gates is null
                    ? $"Add contributors, or write 'gates: {{ min_accepted: {contributors.Count} }}' (the default is {minimumAccepted})."
                    : $"Lower min_accepted to at most {contributors.Count}, or add contributors.");
        }

        var minimumReplayChecked = gates?.OptionalInt("min_replay_checked", 0, MaxContributors) ?? new PublicationGates().MinimumReplayChecked;
        if (minimumReplayChecked > minimumAccepted && gates?.Has("min_replay_checked") == true)
        {
            throw gates.Invalid(
                "min_replay_checked", $"it is {minimumReplayChecked}, more than min_accepted ({minimumAccepted}); a replay-checked contribution is an accepted one",
                $"Lower min_replay_checked to at most {minimumAccepted}.");
        }

        var read = new TrainingPlan
        {
            SchemaVersion = version,
            Namespace = plan.Text("namespace", NamespaceShape().IsMatch, "must be 1 to 63 lowercase letters, digits or '-', starting with a letter or digit", "Name the run's namespace like ft-demo."),
            CoordinatorSite = coordinator.Text("site", SiteName.IsValid, "must be a site name", SiteName.Rule),
            Contributors = contributors,
            BaseSnapshotFile = snapshotFile,
            BaseSnapshotPath = Path.GetFullPath(snapshotFile, baseDirectory),
            BaseSnapshotDigest = snapshot.Text(
                "digest", text => BlobDigest.TryParse(text, out _), "must be sha256: and 64 lowercase hex digits",
                "Write the snapshot's digest as sha256:<hex>, the hex from sha256sum (or Get-FileHash, lower-cased)."),
            Contract = ReadContract(adapter),
            Steps = training.Int("steps", 1, 1_000_000),
            Seed = training.Long("seed", 0, MaxSeed),
            LearningRate = training.Number("learning_rate", value => value is > 0 and <= 10, "must be a number above 0 and at most 10"),
            AdmissionTokenVariable = ReadTokenVariable(plan),
            HeartbeatInterval = TimeSpan.FromMilliseconds(heartbeat),
            StaleAfter = TimeSpan.FromMilliseconds(stale),
            ContributorLossGrace = TimeSpan.FromMilliseconds(timing?.OptionalInt("contributor_loss_grace_ms", 1, MaxMilliseconds) ?? 7500),
            MaxWorkerSkew = TimeSpan.FromMilliseconds(timing?.OptionalInt("max_worker_skew_ms", 1, MaxMilliseconds) ?? 15000),
            MaxUpdateNorm = validation.Number("max_update_norm", value => value > 0, "must be a number above 0"),
            ReplaySample = validation.OptionalNumber("replay_sample", value => value is >= 0 and <= 1, "must be a number from 0 to 1 (the share of contributions replayed)") ?? 0,
            ReplayTolerance = validation.OptionalNumber("replay_tolerance", value => value is > 0 and <= 1, "must be a number above 0 and at most 1 (a relative difference)") ?? 1e-4,
            Gates = new PublicationGates
            {
                MinimumAccepted = minimumAccepted,
                MinimumReplayChecked = minimumReplayChecked,
                MinimumLossImprovement = gates?.OptionalNumber("min_loss_improvement", value => value >= 0, "must be a number of at least 0 (how much the held-out loss must fall)") ?? 0.0,
            },
            Digest = "",
        };
        return read with { Digest = TrainingPlanJson.Digest(read) };
    }

    private static string ReadSnapshotPath(PlanSection snapshot)
    {
        var path = snapshot.Text("path", text => text.Length <= 4096 && !text.Any(char.IsControl), "must be a file path without control characters", "Write the path of the base snapshot's .safetensors file, relative to the plan file.");
        return path.Contains("${", StringComparison.Ordinal)
            ? throw snapshot.Invalid("path", "it holds '${', but a plan is not expanded from the environment (every site must read the same plan)", "Write the path itself, relative to the plan file (./base.safetensors) or absolute.")
            : path;
    }

    private static AdapterContract ReadContract(PlanSection adapter)
    {
        var modules = adapter.TextList("target_modules");
        if (modules.Count == 0 || modules.Any(m => m.Length is 0 or > 256 || m.Any(char.IsControl)) || modules.Distinct(StringComparer.Ordinal).Count() != modules.Count)
        {
            throw adapter.Invalid("target_modules", "must list one or more distinct module names (1 to 256 printable characters each)", "List the modules the adapter trains, such as [lm_head] or [q_proj, v_proj].");
        }

        return new AdapterContract
        {
            TargetModules = modules,
            Rank = adapter.Int("rank", 1, 4096),
            Alpha = adapter.Number("alpha", value => value is > 0 and <= 65536, "must be a number above 0 and at most 65536"),
            DType = adapter.Text(
                "dtype", text => AdapterContract.DTypes.Contains(text, StringComparer.Ordinal), $"must be one of {string.Join(", ", AdapterContract.DTypes)}",
                $"Write the adapter's dtype as safetensors names it: {string.Join(", ", AdapterContract.DTypes)}."),
        };
    }

    // The value is never repeated in the message: someone who writes the token here instead of the
    // variable's name must not find it again in a log or a transcript.
    private static string ReadTokenVariable(PlanSection plan) => plan.Text(
        "admission_token_env", TokenVariableShape().IsMatch,
        "must be the NAME of an environment variable ([A-Z_][A-Z0-9_]*, at most 128); the value given is not one and is not shown, in case it is the token itself",
        "Put the token in an environment variable (export SWARM_TRAINING_TOKEN=...) and write that variable's name here; if a token was written into the plan, take it out and issue a new one.",
        echo: false);

    private static List<PlanContributor> ReadContributors(PlanSection plan)
    {
        var sections = plan.SectionList("contributors", "id", "site", "backend", "device", "shard");
        if (sections.Count is 0 or > MaxContributors)
        {
            throw plan.Invalid("contributors", $"must list 1 to {MaxContributors} contributors", "List each contributor as '- { id: c1, site: alpha, backend: dotnet.cpu, device: \"cpu:0\", shard: shard-0 }'.");
        }

        var contributors = new List<PlanContributor>();
        var ids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var shards = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < sections.Count; index++)
        {
            var section = sections[index];
            var contributor = new PlanContributor(
                section.Text("id", AgentName.IsValid, $"must be {AgentName.Rule}", "Give the contributor a short id such as c1 or polaris-a."),
                section.Text("site", SiteName.IsValid, "must be a site name", SiteName.Rule),
                section.Text("backend", BackendShape().IsMatch, "must be a backend label such as dotnet.cpu or pytorch.cpu", "Write the trainer's backend label: lowercase words joined by '.', such as dotnet.cpu or pytorch.cpu."),
                section.Text("device", DeviceShape().IsMatch, "must be a logical device such as cpu:0 or cuda:0", "Write the device as cpu:N or cuda:N, in quotes in YAML (\"cpu:0\")."),
                section.Text("shard", text => text.Length is > 0 and <= 256 && !text.Any(char.IsControl) && text.Trim() == text, "must be a shard id of 1 to 256 printable characters", "Name the contributor's data shard, such as shard-0."));
            if (ids.TryGetValue(contributor.Id, out var first))
            {
                throw section.Invalid("id", $"'{contributor.Id}' is already the id of contributors[{first}] (ids differ in more than case)", "Give every contributor its own id.");
            }

            if (shards.TryGetValue(contributor.DataShard, out var other))
            {
                throw section.Invalid("shard", $"'{contributor.DataShard}' is already the shard of contributors[{other}]; two contributors training on one shard count its examples twice", "Give every contributor its own shard.");
            }

            ids[contributor.Id] = index;
            shards[contributor.DataShard] = index;
            contributors.Add(contributor);
        }

        return contributors;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamespaceShape();

    [GeneratedRegex("^[A-Z_][A-Z0-9_]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenVariableShape();

    [GeneratedRegex("^[a-z0-9]+(\\.[a-z0-9]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex BackendShape();

    [GeneratedRegex("^(cpu|cuda):(0|[1-9][0-9]{0,2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceShape();
}
