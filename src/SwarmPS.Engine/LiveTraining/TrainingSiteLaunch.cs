using System.Globalization;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// Starts this site's roles of a training plan (Start-SwarmTraining): everything the roles will need is checked
/// here first (the shards, the trainers, and on the coordinator's site the repository, the held-out data and a
/// free destination), so a mistake costs no launch; then the plan, the settings and the derived campaign are
/// written into the site's run directory (owner-only) and the site is launched detached by the site host, as
/// any campaign's site is. Returns once the launcher has registered the site's roles.
/// </summary>
public static class TrainingSiteLaunch
{
    public const string PlanFileName = "training-plan.json";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static async Task<SiteStatus> StartAsync(TrainingLaunchRequest request, SiteCatalog catalog, IExchange exchange, IProgress<string>? waiting, CancellationToken cancellationToken)
    {
        var plan = request.Plan;
        var siteName = request.Site ?? SingleSite(plan);
        var contributors = plan.Contributors.Where(c => c.Site == siteName).ToList();
        var coordinates = plan.CoordinatorSite == siteName;
        if (!coordinates && contributors.Count == 0)
        {
            throw new SwarmException("TrainingSiteHasNoRole",
                $"The plan {plan.Digest} gives site '{siteName}' no role: its coordinator runs on {plan.CoordinatorSite}, its contributors on {string.Join(", ", plan.Contributors.Select(c => c.Site).Distinct())}.",
                "Start the sites the plan names (Start-SwarmTraining -Site <site>), one per site.",
                SwarmErrorCategory.InvalidArgument, siteName);
        }

        var profile = catalog.Get(siteName);
        if (profile.IsRemote)
        {
            throw new SwarmException("TrainingRemoteSiteNotSupported",
                $"Site '{siteName}' is reached over SSH; a live training run starts local sites only in this version.",
                "Run Start-SwarmTraining on a login node of that site (each site starts its own roles), with the same plan and run id.",
                SwarmErrorCategory.InvalidOperation, siteName);
        }

        var dataDirectory = Path.GetFullPath(request.DataDirectory, request.WorkingDirectory);
        foreach (var contributor in contributors)
        {
            CheckContributor(contributor, dataDirectory, request.Trainers, request.WorkingDirectory);
        }

        var siteHost = Path.Combine(request.SiteHostDirectory, RemoteSiteHost.Assembly);
        var dotnet = DotnetHost.Find();
        var coordinator = coordinates ? Coordinator(request, dotnet) : null;
        var layout = new SiteRunLayout(profile.RunRoot, request.RunId, siteName);
        if (File.Exists(layout.StatusFile) || File.Exists(Path.Combine(layout.SiteDirectory, LiveTrainingSettings.FileName)))
        {
            throw new SwarmException("RunIdAlreadyUsed",
                $"Site '{siteName}' already has run '{request.RunId}' (see {layout.SiteDirectory}); a run id names one launch.",
                $"Choose a new run id for a new run; the run already there is read with Get-SwarmTrainingStatus -RunId {request.RunId} -Site {siteName} once its coordinator has written a status.",
                SwarmErrorCategory.ResourceExists, layout.SiteDirectory);
        }

        // The campaign first, in memory: a plan it cannot be made from is refused before anything is written.
        var campaignYaml = TrainingCampaign.Yaml(plan, new[] { dotnet, siteHost });
        OwnerOnly.CreateDirectory(layout.SiteDirectory);
        var planFile = Path.Combine(layout.SiteDirectory, PlanFileName);
        AtomicFile.Write(planFile, stream => stream.Write(TrainingPlanJson.Serialize(plan)));
        new LiveTrainingSettings
        {
            RunId = request.RunId,
            Site = siteName,
            PlanFile = planFile,
            PlanDigest = plan.Digest,
            BaseSnapshotPath = plan.BaseSnapshotPath,
            DataDirectory = dataDirectory,
            Trainers = request.Trainers,
            Coordinator = coordinator,
            Drills = request.Drills,
        }.Write(Path.Combine(layout.SiteDirectory, LiveTrainingSettings.FileName));
        var campaign = TrainingCampaign.Write(layout.SiteDirectory, campaignYaml);
        try
        {
            var options = new SiteLaunchRequest
            {
                Campaign = campaign,
                RunId = request.RunId,
                Site = siteName,
                ExchangeUrl = request.ExchangeUrl,
                WorkingDirectory = request.WorkingDirectory,
            }.Resolve(catalog);
            return await DetachedSiteLaunch.StartAsync(options, exchange, arguments => new List<string>
            {
                dotnet, siteHost, "--campaign", arguments.CampaignFile, "--run-id", arguments.RunId, "--site", arguments.Site,
                "--exchange-url", arguments.ExchangeUrl, "--working-directory", request.WorkingDirectory,
                "--startup-timeout-ms", ((long)TrainingCampaign.StartupTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            }, new Dictionary<string, string?>(), ReadyTimeout, waiting, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!File.Exists(layout.StatusFile))
        {
            // Refused before a launcher started (the exchange unreachable, say): take back what this call wrote, so
            // the same run id can be started again once the problem is fixed.
            Unwrite(layout.SiteDirectory);
            throw;
        }
    }

    /// <summary>Removes the three files a start writes, and the site directory if that leaves it empty.</summary>
    private static void Unwrite(string siteDirectory)
    {
        foreach (var name in new[] { PlanFileName, LiveTrainingSettings.FileName, TrainingCampaign.FileName })
        {
            File.Delete(Path.Combine(siteDirectory, name));
        }

        if (Directory.Exists(siteDirectory) && !Directory.EnumerateFileSystemEntries(siteDirectory).Any())
        {
            Directory.Delete(siteDirectory);
        }
    }

    private static string SingleSite(TrainingPlan plan)
    {
        var sites = plan.Contributors.Select(c => c.Site).Append(plan.CoordinatorSite).Distinct(StringComparer.Ordinal).ToList();
        return sites.Count == 1 ? sites[0] : throw new SwarmException("TrainingSiteRequired",
            $"The plan has roles on {sites.Count} sites ({string.Join(", ", sites)}); each site is started on its own.",
            $"Pass -Site (one of: {string.Join(", ", sites)}), once on each site.",
            SwarmErrorCategory.InvalidArgument);
    }

    private static void CheckContributor(PlanContributor contributor, string dataDirectory, IReadOnlyDictionary<string, IReadOnlyList<string>> trainers, string workingDirectory)
    {
        var shard = Path.Combine(dataDirectory, contributor.DataShard + ".txt");
        if (!File.Exists(shard))
        {
            throw new SwarmException("TrainingShardNotFound",
                $"Contributor {contributor.Id} trains on shard '{contributor.DataShard}', and {shard} does not exist.",
                "Give -DataPath the folder holding each of this site's shards as <shard>.txt (the plan's shard ids).",
                SwarmErrorCategory.ObjectNotFound, shard);
        }

        if (!trainers.TryGetValue(contributor.Backend, out var trainer) || trainer.Count == 0)
        {
            throw new SwarmException("TrainerNotConfigured",
                $"Contributor {contributor.Id} trains on {contributor.Backend}, and no trainer is given for that backend.",
                $"Pass -Trainer @{{ '{contributor.Backend}' = @('<program>', '<argument>') }} (docs/trainer-contract.md says what a trainer is).",
                SwarmErrorCategory.ObjectNotFound, contributor.Backend);
        }

        var program = trainer[0];
        if (ProgramLookup.Resolve(program, workingDirectory, Environment.GetEnvironmentVariable("PATH")) is null)
        {
            throw new SwarmException("TrainerNotFound",
                $"The {contributor.Backend} trainer of contributor {contributor.Id} is '{program}', which is not an executable file{(program.Contains('/') ? "" : " on PATH")}.",
                "Install it or give its full path in -Trainer.",
                SwarmErrorCategory.ObjectNotFound, program);
        }
    }

    private static CoordinatorSettings Coordinator(TrainingLaunchRequest request, string dotnet)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(request.Plan.AdmissionTokenVariable)))
        {
            // The coordinator would admit nobody: refuse here, not after the launch.
            throw new SwarmException("AdmissionTokenMissing",
                $"This site runs the coordinator, and {request.Plan.AdmissionTokenVariable} (the plan's admission_token_env) is not set, so it could admit no contributor.",
                $"Set {request.Plan.AdmissionTokenVariable} to the run's admission token in this shell (never on a command line), then start again.",
                SwarmErrorCategory.InvalidOperation, request.Plan.AdmissionTokenVariable);
        }

        var repository = SwarmPS.Engine.Ledger.SwarmRepository.Locate(request.WorkingDirectory);
        var heldOut = request.HeldOutPath is { } given ? Path.GetFullPath(given, request.WorkingDirectory) : throw new SwarmException("HeldOutDataRequired",
            "This site runs the coordinator, which evaluates the merged adapter on held-out data before it may publish.",
            "Pass -HeldOutPath: the text file no contributor trains on.",
            SwarmErrorCategory.InvalidArgument);
        if (!File.Exists(heldOut))
        {
            throw new SwarmException("HeldOutDataNotFound",
                $"The held-out data file {heldOut} does not exist.",
                "Give -HeldOutPath the text file no contributor trained on (docs/trainer-contract.md, \"The corpus\").",
                SwarmErrorCategory.ObjectNotFound, heldOut);
        }

        var destination = Path.GetFullPath(request.Destination ?? Path.Combine("snapshots", request.RunId), request.WorkingDirectory);
        if (request.Destination is null)
        {
            // The default's parent is ours to make; a destination the operator named must have its parent already.
            OwnerOnly.CreateDirectory(Path.GetDirectoryName(destination)!);
        }

        SnapshotPublisher.CheckDestination(destination);
        var trainerDll = Path.Combine(Path.GetDirectoryName(request.SiteHostDirectory.TrimEnd('/'))!, "trainer", "SwarmPS.Trainer.dll");
        CoordinatorTrainer.DotnetCpu(trainerDll, dotnet);
        return new CoordinatorSettings
        {
            Repository = repository.Root,
            HeldOutPath = heldOut,
            Destination = destination,
            EvidencePath = Path.GetFullPath(request.EvidencePath ?? Path.Combine("evidence", request.RunId), request.WorkingDirectory),
            ReplayTrainer = new[] { dotnet, trainerDll },
        };
    }
}
