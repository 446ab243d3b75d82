using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Reads a site profile from YAML (see docs/sites.md for every key). The profile's name defaults to the
/// file's name and, when given, must match it, so `polaris.yaml` can only ever define `polaris`.
/// </summary>
public static class SiteProfileLoader
{
    private static readonly string[] ProfileKeys =
    {
        "name", "description", "scheduler", "ssh", "run_root", "scratch", "queue", "account",
        "environment", "unset_environment", "modules", "proxy", "limits", "scheduler_resources", "launcher", "allocation", "exchange_tunnel", "exchange_tunnel_gateway", "exchange",
    };

    /// <summary>The launchers a profile may name; AllocationLauncher (Scheduler) turns them into commands.</summary>
    public static readonly IReadOnlyList<string> Launchers = new[] { "srun", "mpiexec", "pbsdsh", "fork" };

    private static readonly string[] SshKeys =
    {
        "client", "host", "user", "port", "identity_file", "config_file", "control_path", "control_persist", "connect_timeout", "options",
    };

    public static SiteProfile Load(string path, VariableExpander? expander = null, string? source = null) =>
        Read(ConfigDocument.Load(path, expander), source ?? path);

    public static SiteProfile Read(ConfigDocument document, string source)
    {
        var profile = document.RootReader("site profile", ProfileKeys);
        var fileName = Path.GetFileNameWithoutExtension(document.File);
        var name = profile.OptionalString("name") ?? fileName;
        if (!SiteName.IsValid(name))
        {
            throw profile.Invalid("name", $"'{name}' is not a valid site name.", SiteName.Rule);
        }

        if (!string.Equals(name, fileName, StringComparison.Ordinal))
        {
            throw profile.Invalid(
                "name", $"The profile is named '{name}' but its file is '{Path.GetFileName(document.File)}'.",
                $"Rename the file to '{name}.yaml' or set 'name: {fileName}'; one file defines one site of the same name.");
        }

        var scheduler = ReadScheduler(profile);
        var sshSection = profile.OptionalMapping("ssh", "ssh section", SshKeys);
        var ssh = sshSection is null ? null : ReadSsh(sshSection);
        var proxy = profile.OptionalMapping("proxy", "proxy section", "http", "no_proxy");
        var limits = profile.OptionalMapping("limits", "limits section", "max_array_size", "max_concurrent_jobs", "max_walltime");
        var launcher = profile.OptionalString("launcher");
        if (launcher is not null && !Launchers.Contains(launcher, StringComparer.Ordinal))
        {
            throw profile.Invalid("launcher", $"'{launcher}' is not a launcher SwarmPS knows.", "Use one of: " + string.Join(", ", Launchers) + ".");
        }

        var allocation = profile.OptionalMapping("allocation", "allocation section", "nodes", "walltime", "queue");
        var (tunnel, gateway) = ReadExchangeTunnel(profile, ssh);
        return new SiteProfile
        {
            Launcher = launcher,
            Allocation = allocation is null ? null : new SiteProfileAllocation
            {
                Nodes = allocation.OptionalInt("nodes", minimum: 1),
                Walltime = allocation.OptionalDuration("walltime"),
                Queue = allocation.OptionalString("queue"),
            },
            Name = name,
            Scheduler = scheduler,
            Ssh = ssh,
            RunRoot = ResolveHome(profile.RequiredString("run_root"), remote: ssh is not null),
            Scratch = profile.OptionalString("scratch"),
            Queue = profile.OptionalString("queue"),
            Account = profile.OptionalString("account"),
            Environment = profile.StringMap("environment"),
            UnsetEnvironment = profile.StringList("unset_environment"),
            Modules = profile.StringList("modules"),
            HttpProxy = proxy?.OptionalString("http"),
            NoProxy = proxy?.OptionalString("no_proxy"),
            Limits = new SiteLimits
            {
                MaxArraySize = limits?.OptionalInt("max_array_size", minimum: 1),
                MaxConcurrentJobs = limits?.OptionalInt("max_concurrent_jobs", minimum: 1),
                MaxWalltime = limits?.OptionalDuration("max_walltime"),
            },
            SchedulerResources = ReadSchedulerResources(profile, scheduler),
            ExchangeTunnel = tunnel,
            ExchangeTunnelGateway = gateway,
            Exchange = ReadExchange(profile),
            Description = profile.OptionalString("description"),
            Source = source,
        };
    }

    /// <summary>
    /// scheduler_resources: Grid Engine's complex names for -Memory and -Gpus. Only Grid Engine lets each
    /// site name them, so the section is refused on another scheduler rather than silently ignored.
    /// </summary>
    private static SiteSchedulerResources ReadSchedulerResources(MappingReader profile, SchedulerKind scheduler)
    {
        var section = profile.OptionalMapping("scheduler_resources", "scheduler_resources section", "memory_complex", "gpu_complex");
        if (section is null)
        {
            return new SiteSchedulerResources();
        }

        if (scheduler != SchedulerKind.Sge)
        {
            throw profile.Invalid(
                "scheduler_resources", $"scheduler_resources names Grid Engine complexes, but this site's scheduler is {scheduler.ToString().ToLowerInvariant()}.",
                "Remove scheduler_resources: SLURM requests --mem and --gres=gpu:N, PBS mem and ngpus, under the same names everywhere.");
        }

        return new SiteSchedulerResources
        {
            MemoryComplex = ComplexName(section, "memory_complex") ?? SiteSchedulerResources.DefaultMemoryComplex,
            GpuComplex = ComplexName(section, "gpu_complex"),
        };

        static string? ComplexName(MappingReader section, string key)
        {
            var name = section.OptionalString(key);
            if (name is not null && !SiteSchedulerResources.IsValidComplexName(name))
            {
                throw section.Invalid(
                    key, $"'{name}' is not a Grid Engine complex name.",
                    "Give the complex's name as 'qconf -sc' lists it (letters, digits, '_', '.', '-'), e.g. " + (key == "gpu_complex" ? "gpu." : "h_vmem."));
            }

            return name;
        }
    }

    /// <summary>The exchange block: the backend, and for rabbitmq the broker (checked as -BrokerUri is: amqp, no credentials).</summary>
    private static SiteExchange? ReadExchange(MappingReader profile)
    {
        var exchange = profile.OptionalMapping("exchange", "exchange section", "backend", "broker_uri", "broker_name");
        if (exchange is null)
        {
            return null;
        }

        var backend = exchange.OptionalString("backend") ?? "sqlite";
        if (!SiteExchange.Backends.Contains(backend, StringComparer.Ordinal))
        {
            throw exchange.Invalid("backend", $"'{backend}' is not an exchange backend.", $"Use one of: {string.Join(", ", SiteExchange.Backends)}.");
        }

        // A gateway started from the profile needs the broker it runs on.
        var (brokerUri, brokerName) = BrokerUriText.ReadKeys(exchange, backend, backend == "rabbitmq", uriRequired: true);
        return new SiteExchange { Backend = backend, BrokerUri = brokerUri, BrokerName = brokerName };
    }

    /// <summary>
    /// What a profile that cannot be loaded yet still tells (a built-in template whose variables are unset):
    /// each field is read on its own, so a placeholder in ssh.user does not hide that the site runs PBS.
    /// A field that cannot be read is left null (all of them when the file's keys are wrong); the profile's
    /// own error is what the caller reports.
    /// </summary>
    public static (SchedulerKind? Scheduler, string? LoginHost, string? Description) ReadWhatIsKnown(ConfigDocument document)
    {
        var profile = Tolerant(() => document.RootReader("site profile", ProfileKeys));
        if (profile is null)
        {
            return (null, null, null);
        }

        var scheduler = Tolerant(() => (SchedulerKind?)ReadScheduler(profile));
        var host = Tolerant(() => profile.OptionalMapping("ssh", "ssh section", SshKeys) is { } ssh ? ssh.OptionalString("host") : "localhost");
        return (scheduler, host, Tolerant(() => profile.OptionalString("description")));
    }

    private static T? Tolerant<T>(Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (SwarmException)
        {
            return default;
        }
    }

    /// <summary>
    /// '~/' means the home directory where the path is used. Locally that is expanded here; remotely the
    /// path becomes relative, because commands over SSH start in the login's home and quoted arguments
    /// never see tilde expansion.
    /// </summary>
    private static string ResolveHome(string path, bool remote)
    {
        if (path != "~" && !path.StartsWith("~/", StringComparison.Ordinal))
        {
            return path;
        }

        var rest = path.Length > 2 ? path[2..] : "";
        if (remote)
        {
            return rest.Length == 0 ? "." : rest;
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), rest);
    }

    private static SchedulerKind ReadScheduler(MappingReader profile)
    {
        var text = profile.OptionalString("scheduler") ?? "local";
        return text.ToLowerInvariant() switch
        {
            "local" => SchedulerKind.Local,
            "slurm" => SchedulerKind.Slurm,
            "pbs" or "pbspro" or "openpbs" => SchedulerKind.Pbs,
            "sge" or "gridengine" or "uge" => SchedulerKind.Sge,
            _ => throw profile.Invalid(
                "scheduler", $"'{text}' is not a scheduler SwarmPS drives.",
                "Use one of: slurm, pbs, sge, local."),
        };
    }

    /// <summary>The tunnel runs through the login host, so it needs the ssh section; a gateway needs the tunnel.</summary>
    private static (bool Tunnel, string? Gateway) ReadExchangeTunnel(MappingReader profile, SshSettings? ssh)
    {
        var tunnel = profile.OptionalBool("exchange_tunnel") ?? false;
        var gateway = profile.OptionalString("exchange_tunnel_gateway");
        if (tunnel && ssh is null)
        {
            throw profile.Invalid(
                "exchange_tunnel", "exchange_tunnel: true needs an ssh section: the tunnel runs through the site's login host.",
                "Add ssh.host (and user, identity_file) for the login host, or remove exchange_tunnel.");
        }

        if (gateway is not null && !tunnel)
        {
            throw profile.Invalid(
                "exchange_tunnel_gateway", "exchange_tunnel_gateway is set but exchange_tunnel is not true.",
                "Set exchange_tunnel: true to use the tunnel, or remove exchange_tunnel_gateway.");
        }

        if (gateway is not null && Uri.CheckHostName(gateway) == UriHostNameType.Unknown)
        {
            throw profile.Invalid(
                "exchange_tunnel_gateway", $"'{gateway}' is not a host name or address.",
                "Give the login node's name or address as compute nodes reach it (e.g. polaris-login-01.hsn.cm.polaris.alcf.anl.gov).");
        }

        return (tunnel, gateway);
    }

    /// <summary>The values of ssh.client, as a profile spells them.</summary>
    public static readonly IReadOnlyList<string> SshClients = new[] { "openssh", "sshnet" };

    private static SshSettings ReadSsh(MappingReader ssh)
    {
        var defaults = new SshSettings { Host = "" };
        var client = ReadSshClient(ssh);
        return new SshSettings
        {
            Client = client,
            Host = ssh.RequiredString("host"),
            User = ssh.OptionalString("user"),
            Port = ssh.OptionalInt("port", minimum: 1, maximum: 65535) ?? defaults.Port,
            IdentityFile = ssh.OptionalString("identity_file"),
            ConfigFile = ssh.OptionalString("config_file"),
            ControlPath = ssh.Has("control_path") ? ssh.OptionalString("control_path") : defaults.ControlPath,
            ControlPersist = ssh.OptionalString("control_persist") ?? defaults.ControlPersist,
            ConnectTimeout = ssh.OptionalDuration("connect_timeout") ?? defaults.ConnectTimeout,
            Options = ReadSshOptions(ssh, client),
        };
    }

    private static SshClientKind ReadSshClient(MappingReader ssh)
    {
        var client = ssh.OptionalString("client") ?? "openssh";
        return client switch
        {
            "openssh" => SshClientKind.OpenSsh,
            "sshnet" => SshClientKind.SshNet,
            _ => throw ssh.Invalid(
                "client", $"'{client}' is not an SSH client SwarmPS knows.",
                $"Use one of: {string.Join(", ", SshClients)} (openssh, the default, is the system ssh program; "
                + "sshnet is the in-process client for hosts without one)."),
        };
    }

    /// <summary>
    /// The ssh -o options; with client: sshnet, an OpenSSH-only key or option is an error here, at load time,
    /// rather than a setting silently not applied (SshNetOptions says why).
    /// </summary>
    private static IReadOnlyDictionary<string, string> ReadSshOptions(MappingReader ssh, SshClientKind client)
    {
        var options = ssh.StringMap("options");
        if (client != SshClientKind.SshNet)
        {
            return options;
        }

        foreach (var key in SshNetOptions.OpenSshOnlyKeys.Where(ssh.Has))
        {
            throw ssh.Invalid(key, $"{key} is an OpenSSH setting; client: sshnet does not apply it.", SshNetOptions.Remediation);
        }

        foreach (var (name, value) in options)
        {
            if (SshNetOptions.Problem(name, value) is { } problem)
            {
                throw ssh.Invalid("options", problem, SshNetOptions.Remediation);
            }
        }

        return options;
    }
}
