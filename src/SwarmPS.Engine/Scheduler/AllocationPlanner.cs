using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Turns a site profile, the operator's -Allocation request and the slice's agents into an
/// <see cref="AllocationPlan"/>, refusing what cannot run as asked instead of picking something else.
/// </summary>
public static class AllocationPlanner
{
    /// <summary>The variables proxies are read from; kept for the ranks even when unset_environment names them.</summary>
    private static readonly string[] ProxyVariables =
        { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY" };

    public static AllocationPlan Plan(SiteProfile profile, AllocationRequest request, IReadOnlyList<AllocationRank> agents)
    {
        if (profile.Scheduler == SchedulerKind.Local)
        {
            throw new SwarmException(
                "AllocationNeedsScheduler",
                $"Site '{profile.Name}' has no batch scheduler, so there is no allocation to start its agents in.",
                "Drop -Allocation for this site, or set 'scheduler: slurm|pbs|sge' in its profile.",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
        }

        if (agents.Count == 0)
        {
            throw new SwarmException(
                "AllocationEmpty",
                $"The slice for site '{profile.Name}' has no agents, so an allocation would run nothing.",
                "Assign agents to this site in the campaign (agents[].site) or start it without -Allocation.",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
        }

        // One agent per rank is the whole mapping; a different count would leave ranks idle or agents unstarted.
        if (request.Ranks is { } ranks && ranks != agents.Count)
        {
            throw new SwarmException(
                "AllocationRankCountConflict",
                $"{ranks} ranks were asked for, but site '{profile.Name}' has {agents.Count} agents and each rank runs exactly one.",
                $"Leave the rank count out (it is {agents.Count}, one per agent), or change the campaign's agents for this site.",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
        }

        var nodes = request.Nodes ?? profile.Allocation?.Nodes ?? 1;
        if (nodes < 1 || nodes > agents.Count)
        {
            throw new SwarmException(
                "AllocationNodesInvalid",
                $"{nodes} nodes were asked for {agents.Count} agents on site '{profile.Name}'; every node must run at least one agent.",
                $"Ask for 1 to {agents.Count} nodes (-Nodes or allocation.nodes in the site profile).",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
        }

        var launcherName = request.Launcher ?? profile.Launcher;
        var launcher = launcherName is null ? AllocationLaunchers.DefaultFor(profile.Scheduler) : AllocationLaunchers.Parse(launcherName, profile.Name);
        if (!AllocationLaunchers.RunsUnder(launcher, profile.Scheduler))
        {
            throw new SwarmException(
                "AllocationLauncherUnsupported",
                $"The launcher '{AllocationLaunchers.Name(launcher)}' does not run under {profile.Scheduler}, the scheduler of site '{profile.Name}'.",
                "Set the profile's launcher to one its scheduler has: srun (SLURM), pbsdsh (PBS), mpiexec or fork (any).",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
        }

        if (launcher == AllocationLauncher.Fork && nodes > 1)
        {
            throw new SwarmException(
                "AllocationNodesInvalid",
                $"The fork launcher starts every rank on the job's first node, so {nodes} nodes would sit idle on site '{profile.Name}'.",
                "Ask for one node, or set the profile's launcher to srun, mpiexec or pbsdsh to spread ranks over nodes.",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
        }

        var walltime = ParseWalltime(request.Walltime, profile) ?? profile.Allocation?.Walltime;
        if (walltime is { } asked && profile.Limits.MaxWalltime is { } most && asked > most)
        {
            throw new SwarmException(
                "AllocationWalltimeOverLimit",
                $"The allocation asks for {SchedulerTime.Format(asked)}, more than site '{profile.Name}' allows ({SchedulerTime.Format(most)}, limits.max_walltime).",
                $"Ask for at most {SchedulerTime.Format(most)} (-Walltime or allocation.walltime).",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
        }

        var notices = new List<string>();
        var rankList = agents.Select((agent, index) => WithSiteEnvironment(profile, agent, index)).ToList();
        var kept = profile.UnsetEnvironment.Where(v => ProxyVariables.Contains(v, StringComparer.Ordinal) && rankList.Any(r => r.Environment.ContainsKey(v))).ToList();
        if (kept.Count > 0)
        {
            notices.Add($"unset_environment names {string.Join(", ", kept)}, kept for the ranks: agents reach the exchange through the site's proxy.");
        }

        return new AllocationPlan
        {
            Scheduler = profile.Scheduler,
            Launcher = launcher,
            Name = request.Name,
            Ranks = rankList,
            Nodes = nodes,
            Walltime = walltime,
            Queue = request.Queue ?? profile.Allocation?.Queue ?? profile.Queue,
            Account = profile.Account,
            Modules = profile.Modules,
            Unset = profile.UnsetEnvironment.Except(kept, StringComparer.Ordinal).ToList(),
            Notices = notices,
        };
    }

    /// <summary>Profile environment, then its proxy, then the agent's own variables (the agent's win), then the rank.</summary>
    private static AllocationRank WithSiteEnvironment(SiteProfile profile, AllocationRank agent, int rank)
    {
        var environment = new Dictionary<string, string>(profile.Environment, StringComparer.Ordinal);
        if (profile.HttpProxy is { } proxy)
        {
            foreach (var name in new[] { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY" })
            {
                environment[name] = proxy;
            }
        }

        if (profile.NoProxy is { } noProxy)
        {
            environment["no_proxy"] = noProxy;
            environment["NO_PROXY"] = noProxy;
        }

        foreach (var (name, value) in agent.Environment)
        {
            environment[name] = value;
        }

        environment["SWARM_ALLOCATION_RANK"] = rank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return agent with { Environment = environment };
    }

    private static TimeSpan? ParseWalltime(string? text, SiteProfile profile)
    {
        if (text is null)
        {
            return null;
        }

        return DurationText.TryParse(text, out var walltime) && walltime > TimeSpan.Zero
            ? walltime
            : throw new SwarmException(
                "AllocationWalltimeInvalid",
                $"'{text}' is not a walltime.",
                "Give -Walltime as seconds (3600), with a unit (90m, 2h) or as HH:MM:SS (01:30:00).",
                SwarmErrorCategory.InvalidArgument,
                profile.Name);
    }
}
