namespace SwarmPS.Engine.Sites;

/// <summary>
/// One HPC centre (or this machine) as SwarmPS sees it: how to reach it, which scheduler it runs, where
/// runs live, the environment jobs and agents get, and its limits. Loaded from YAML by
/// SiteProfileLoader; built-in templates ship for ALCF, NERSC and UCLA machines.
/// </summary>
public sealed record SiteProfile
{
    public required string Name { get; init; }

    /// <summary>One line for Get-SwarmSite: which machine this is.</summary>
    public string? Description { get; init; }

    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Local;

    /// <summary>Null for a site reached without SSH (this machine, or commands run on the login node itself).</summary>
    public SshSettings? Ssh { get; init; }

    /// <summary>Root under which each launch gets &lt;runRoot&gt;/&lt;runId&gt;/&lt;site&gt;/.</summary>
    public required string RunRoot { get; init; }

    public string? Scratch { get; init; }

    /// <summary>Default queue (PBS), partition (SLURM) or queue (SGE); null for the scheduler's default.</summary>
    public string? Queue { get; init; }

    /// <summary>Account or project charged (-A); null when the site needs none.</summary>
    public string? Account { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> UnsetEnvironment { get; init; } = Array.Empty<string>();

    /// <summary>Environment modules to load (module load ...) before jobs and agents start.</summary>
    public IReadOnlyList<string> Modules { get; init; } = Array.Empty<string>();

    /// <summary>HTTP(S) proxy for compute nodes to reach an exchange outside the centre.</summary>
    public string? HttpProxy { get; init; }

    public string? NoProxy { get; init; }

    public SiteLimits Limits { get; init; } = new();

    /// <summary>Grid Engine's names for memory and GPU requests (profile key scheduler_resources); the stock names when absent.</summary>
    public SiteSchedulerResources SchedulerResources { get; init; } = new();

    /// <summary>
    /// How a batch script starts one process per rank inside an allocation: srun, mpiexec, pbsdsh or fork
    /// (the script itself starts every rank on the first node). Null takes the scheduler's usual one
    /// (see AllocationLauncher.DefaultFor).
    /// </summary>
    public string? Launcher { get; init; }

    /// <summary>Defaults for Start-SwarmSite -Allocation; null when the profile has no allocation block.</summary>
    public SiteProfileAllocation? Allocation { get; init; }

    /// <summary>
    /// Agents reach the exchange through an SSH reverse tunnel via the login host (ReverseTunnel), for
    /// centres whose compute nodes cannot reach the operator's machine. Needs <see cref="Ssh"/>.
    /// </summary>
    public bool ExchangeTunnel { get; init; }

    /// <summary>
    /// The login node's address as compute nodes see it, when the tunnel should listen on all its
    /// interfaces (the site's sshd must allow GatewayPorts); null: the login node's loopback only.
    /// </summary>
    public string? ExchangeTunnelGateway { get; init; }

    /// <summary>The exchange a gateway started at this site runs (Start-SwarmExchange -Site); null: the defaults (SQLite).</summary>
    public SiteExchange? Exchange { get; init; }

    /// <summary>The file it came from, or "built-in"; shown in errors and Get-SwarmSite.</summary>
    public string Source { get; init; } = "built-in";

    public bool IsRemote => Ssh is not null;

    /// <summary>The login host for remote sites; "localhost" for sites reached without SSH.</summary>
    public string LoginHost => Ssh?.Host ?? "localhost";
}
