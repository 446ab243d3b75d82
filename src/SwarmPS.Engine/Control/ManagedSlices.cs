using System.Text.Json.Nodes;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Control;

/// <summary>
/// The slices one agent manager started, and the three commands over them (docs/control-protocol.md
/// "Agent manager commands"): start one as Start-SwarmSite -Detach would, from the campaign file and the
/// site catalog read anew each time; stop exactly those it started; report them. Every lifecycle change is an
/// event and lands in the manager's record at once, so a manager taking over after a crash knows them.
/// </summary>
public sealed class ManagedSlices(ManagerOptions options, EventLog events, Action<Func<ManagerRecord, ManagerRecord>> updateRecord, Func<ManagerRecord> record)
{
    /// <summary>How long a started site's launcher may take to register its agents (Start-SwarmSite -Detach allows the same).</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static readonly IReadOnlyList<string> Commands = new[] { ControlCommand.Start, ControlCommand.Stop, ControlCommand.Status };

    /// <summary>One command at a time, and the heartbeat's refresh never in the middle of one (it would judge a slice half started or half stopped).</summary>
    private readonly SemaphoreSlim _busy = new(1, 1);

    private ManagerIdentity Identity => options.Identity;

    public async Task<JsonObject> ExecuteAsync(ControlCommand command, CancellationToken cancellationToken)
    {
        await _busy.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return command.Command switch
            {
                ControlCommand.Start => await StartAsync(command, cancellationToken).ConfigureAwait(false),
                ControlCommand.Stop => await StopAsync(command.Arg("run_id"), cancellationToken).ConfigureAwait(false),
                ControlCommand.Status => Status(),
                _ => throw ControlErrors.CommandUnknown(command.Command, Identity.ToString(), Commands),
            };
        }
        finally
        {
            _busy.Release();
        }
    }

    /// <summary>Brings each slice's lifecycle up to date with its site's status (agents that ended by themselves are Stopped); skipped while a command runs.</summary>
    public void Refresh()
    {
        if (!_busy.Wait(0))
        {
            return;
        }

        try
        {
            RefreshNow();
        }
        finally
        {
            _busy.Release();
        }
    }

    private void RefreshNow()
    {
        foreach (var run in record().Runs.Where(run => run.Lifecycle == ManagerLifecycle.Running))
        {
            var status = SiteStatusOf(run);
            if (status is null || !status.State.IsActive())
            {
                Change(run, ManagerLifecycle.Stopped, status is null ? "its status.json is gone" : $"its site is {status.State}");
            }
        }
    }

    private async Task<JsonObject> StartAsync(ControlCommand command, CancellationToken cancellationToken)
    {
        RefreshNow();
        var active = record().Runs.Where(run => run.Lifecycle != ManagerLifecycle.Stopped).ToList();
        if (active.Count > 0)
        {
            throw AgentsAlreadyRunning(active);
        }

        var campaignPath = Path.GetFullPath(command.Arg("campaign") ?? throw ArgumentMissing(command, "campaign"), options.WorkingDirectory);
        var runId = CampaignRunId.Validate(command.Arg("run_id") ?? throw ArgumentMissing(command, "run_id"));
        var agents = command.Args["agents"] is JsonArray names ? names.Select(name => name?.GetValue<string>() ?? "").ToList() : null;

        // Read anew at every start, never cached: an edit to the campaign or to the site profile's environment
        // takes effect on the next start without restarting the manager (the seed's "restart to pick up fresh environment").
        var catalog = SiteCatalog.Default;
        var campaign = CampaignLoader.Load(campaignPath);
        var slice = new SiteLaunchRequest
        {
            Campaign = campaign,
            RunId = runId,
            Site = Identity.Site,
            Agents = agents,
            WorkingDirectory = options.WorkingDirectory,
        }.Resolve(catalog);
        var run = new ManagedRun(runId, campaignPath, new SiteRunLayout(slice.Site.RunRoot, runId, slice.Site.Name).SiteDirectory, slice.Site.RunRoot, DateTimeOffset.UtcNow)
        {
            Lifecycle = ManagerLifecycle.Stopped,
        };
        updateRecord(current => current with { Runs = current.Runs.Where(other => other.RunId != runId).Append(run).ToList() });
        run = Change(run, ManagerLifecycle.Starting, $"start by {command.Sender}");
        try
        {
            using var exchange = slice.Exchange.OpenClient();
            var environment = new Dictionary<string, string?>
            {
                [SwarmNamespace.Variable] = Identity.Namespace,
                [ControlToken.Variable] = null, // the site removes it from its agents too; the launcher has no use for it either
            };
            await DetachedSiteLaunch.StartAsync(slice, exchange, options.SiteLauncher, environment, ReadyTimeout, null, cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error)
        {
            Change(run, ManagerLifecycle.Stopped, $"the start failed: {error.ErrorId}");
            throw;
        }

        run = Change(run, ManagerLifecycle.Running, "its agents are registered");
        return RunJson(run);
    }

    private async Task<JsonObject> StopAsync(string? runId, CancellationToken cancellationToken)
    {
        RefreshNow();
        var runs = record().Runs;
        if (runId is not null && runs.All(run => run.RunId != runId))
        {
            throw new SwarmException(
                "AgentManagerRunUnknown",
                $"The {Identity} did not start run '{runId}'; it started: {(runs.Count == 0 ? "nothing" : string.Join(", ", runs.Select(run => run.RunId)))}.",
                $"Stop a slice someone else started with Stop-SwarmSite -RunId {runId} -Site {Identity.Site}.",
                SwarmErrorCategory.ObjectNotFound,
                runId);
        }

        var stopped = new JsonArray();
        using var exchange = options.Exchange.OpenClient();
        foreach (var run in runs.Where(run => run.Lifecycle != ManagerLifecycle.Stopped && (runId is null || run.RunId == runId)))
        {
            var stopping = Change(run, ManagerLifecycle.Stopping, "stop");
            await SiteStopper.StopAsync(new SiteRunLayout(run.RunRoot, run.RunId, Identity.Site), exchange, Processes.ProcessStopper.DefaultGrace, cancellationToken).ConfigureAwait(false);
            stopped.Add(RunJson(Change(stopping, ManagerLifecycle.Stopped, "its agents are stopped")));
        }

        return new JsonObject { ["stopped"] = stopped };
    }

    private JsonObject Status()
    {
        RefreshNow();
        var current = record();
        return new JsonObject
        {
            ["manager"] = new JsonObject
            {
                ["namespace"] = current.Namespace,
                ["user"] = current.User,
                ["site"] = current.Site,
                ["host"] = current.Host,
                ["pid"] = current.Pid,
                ["mailbox"] = current.MailboxId.ToString(),
                ["started_at"] = ControlTime.Format(current.StartedAt),
                ["working_directory"] = current.WorkingDirectory,
            },
            ["runs"] = new JsonArray(current.Runs.Select(run => (JsonNode)RunJson(run)).ToArray()),
        };
    }

    private ManagedRun Change(ManagedRun run, ManagerLifecycle to, string reason)
    {
        var changed = run with { Lifecycle = to };
        updateRecord(current => current with { Runs = current.Runs.Select(other => other.RunId == run.RunId ? changed : other).ToList() });
        events.Append(SwarmEvent.Now(Identity.Site, ControlEvents.Agent, ControlEvents.Lifecycle, new Dictionary<string, object?>
        {
            ["run_id"] = run.RunId,
            ["from"] = run.Lifecycle.ToString(),
            ["to"] = to.ToString(),
            ["reason"] = reason,
        }));
        return changed;
    }

    private JsonObject RunJson(ManagedRun run)
    {
        var status = SiteStatusOf(run);
        return new JsonObject
        {
            ["run_id"] = run.RunId,
            ["campaign"] = run.Campaign,
            ["site"] = Identity.Site,
            ["state"] = status?.State.ToString(),
            ["lifecycle"] = run.Lifecycle.ToString(),
            ["site_directory"] = run.SiteDirectory,
            ["agents"] = new JsonArray((status?.Agents ?? Array.Empty<AgentRecord>())
                .Select(agent => (JsonNode)new JsonObject { ["name"] = agent.Name, ["state"] = agent.State.ToString() }).ToArray()),
        };
    }

    private SiteStatus? SiteStatusOf(ManagedRun run)
    {
        try
        {
            return SiteStatusFile.TryRead(Path.Combine(run.SiteDirectory, "status.json"));
        }
        catch (SwarmException)
        {
            return null;
        }
    }

    private SwarmException AgentsAlreadyRunning(IReadOnlyList<ManagedRun> active)
    {
        var described = active.Select(run =>
        {
            var agents = SiteStatusOf(run)?.Agents.Where(agent => agent.State is AgentState.Running or AgentState.Starting or AgentState.Restarting).Select(agent => agent.Name).ToList();
            return $"run '{run.RunId}' ({run.Lifecycle}; agents {(agents is { Count: > 0 } ? string.Join(", ", agents) : "none alive")})";
        });
        return new SwarmException(
            "AgentsAlreadyRunning",
            $"Agents of namespace '{Identity.Namespace}' already run on site '{Identity.Site}': {string.Join("; ", described)}.",
            $"Send-SwarmControl -Site {Identity.Site} -Namespace {Identity.Namespace} -Command Stop first, then start again.",
            SwarmErrorCategory.ResourceExists,
            active[0].RunId);
    }

    private static SwarmException ArgumentMissing(ControlCommand command, string name) => new(
        "ControlArgumentMissing",
        $"The command '{command.Command}' needs the argument '{name}'.",
        command.Command == ControlCommand.Start ? "Pass -Campaign <campaign file on the site> and -RunId <run id>." : $"Pass '{name}'.",
        SwarmErrorCategory.InvalidArgument,
        name);
}
