using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Sites;

public sealed class SiteProfileLoaderTests : IDisposable
{
    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander Environment = new(name => name == "LAB_USER" ? "carol" : null);

    public void Dispose() => _files.Dispose();

    private SiteProfile Load(string name, string yaml) => SiteProfileLoader.Load(_files.Write(name, yaml), Environment);

    [Fact]
    public void Reads_every_section_of_a_full_profile()
    {
        var profile = Load("lab.yaml", """
            name: lab
            description: The lab cluster
            scheduler: slurm
            ssh:
              host: login.lab.example
              user: ${LAB_USER}
              port: 2222
              identity_file: ~/.ssh/id_lab
              control_persist: 1h
              connect_timeout: 5s
              options:
                StrictHostKeyChecking: "yes"
            run_root: /scratch/${LAB_USER}/runs
            scratch: /scratch/${LAB_USER}
            queue: gpu
            account: proj1
            environment:
              OMP_NUM_THREADS: "8"
            unset_environment: [PYTHONPATH]
            modules: [gcc/12, cuda/12.2]
            proxy:
              http: http://proxy.lab.example:3128
              no_proxy: localhost
            limits:
              max_array_size: 1000
              max_concurrent_jobs: 50
              max_walltime: "2-00:00:00"
            """);
        Assert.Equal(SchedulerKind.Slurm, profile.Scheduler);
        Assert.Equal("carol@login.lab.example", profile.Ssh!.Destination);
        Assert.Equal(2222, profile.Ssh.Port);
        Assert.Equal(TimeSpan.FromSeconds(5), profile.Ssh.ConnectTimeout);
        Assert.Equal("yes", profile.Ssh.Options["StrictHostKeyChecking"]);
        Assert.Equal("/scratch/carol/runs", profile.RunRoot);
        Assert.Equal("8", profile.Environment["OMP_NUM_THREADS"]);
        Assert.Equal(new[] { "PYTHONPATH" }, profile.UnsetEnvironment);
        Assert.Equal(new[] { "gcc/12", "cuda/12.2" }, profile.Modules);
        Assert.Equal(1000, profile.Limits.MaxArraySize);
        Assert.Equal(50, profile.Limits.MaxConcurrentJobs);
        Assert.Equal(TimeSpan.FromDays(2), profile.Limits.MaxWalltime);
        Assert.Equal("http://proxy.lab.example:3128", profile.HttpProxy);
    }

    [Fact]
    public void The_name_defaults_to_the_file_name_and_must_match_it()
    {
        Assert.Equal("lab", Load("lab.yaml", "run_root: /x\n").Name);
        var error = Assert.Throws<ConfigException>(() => Load("lab.yaml", "name: other\nrun_root: /x\n"));
        Assert.Equal("ConfigValueInvalid", error.ErrorId);
        Assert.Contains("lab.yaml", error.Message);
    }

    [Theory]
    [InlineData("scheduler: lsf\nrun_root: /x\n", "ConfigValueInvalid", "slurm, pbs, sge, local")]
    [InlineData("run_root: /x\nlimits:\n  max_array_size: -1\n", "ConfigValueOutOfRange", "max_array_size")]
    [InlineData("run_root: /x\nlimits:\n  max_arry_size: 5\n", "ConfigUnknownKey", "max_array_size")]
    [InlineData("run_root: /x\nssh:\n  user: bob\n", "ConfigMissingField", "host")]
    [InlineData("run_root: /x\nssh:\n  host: h\n  port: twenty-two\n", "ConfigTypeMismatch", "port")]
    [InlineData("run_root: /x\nssh:\n  host: h\n  client: putty\n", "ConfigValueInvalid", "openssh, sshnet")]
    [InlineData("run_root: /x\nssh:\n  host: h\n  client: sshnet\n  control_path: ~/.ssh/cm-%C\n", "ConfigValueInvalid", "client: openssh")]
    [InlineData("run_root: /x\nssh:\n  host: h\n  client: sshnet\n  config_file: ~/.ssh/config\n", "ConfigValueInvalid", "config_file is an OpenSSH setting")]
    [InlineData("run_root: /x\nssh:\n  host: h\n  client: sshnet\n  options:\n    ProxyJump: bastion\n", "ConfigValueInvalid", "'ProxyJump' is not supported with client: sshnet")]
    [InlineData("run_root: /x\nssh:\n  host: h\n  client: sshnet\n  options:\n    StrictHostKeyChecking: \"no\"\n", "ConfigValueInvalid", "StrictHostKeyChecking=yes")]
    [InlineData("scheduler: slurm\n", "ConfigMissingField", "run_root")]
    [InlineData("run_root: /home/<your-user>/runs\n", "ConfigPlaceholder", "<your-user>")]
    [InlineData("run_root: /x\nmodules: gcc\n", "ConfigTypeMismatch", "modules")]
    [InlineData("run_root: ${NOT_SET_ANYWHERE}\n", "ConfigVariableUnset", "NOT_SET_ANYWHERE")]
    [InlineData("run_root: /x\nexchange_tunnel: true\n", "ConfigValueInvalid", "ssh section")]
    [InlineData("run_root: /x\nssh:\n  host: h\nexchange_tunnel: maybe\n", "ConfigTypeMismatch", "true or false")]
    [InlineData("run_root: /x\nssh:\n  host: h\nexchange_tunnel_gateway: login1\n", "ConfigValueInvalid", "exchange_tunnel: true")]
    [InlineData("run_root: /x\nssh:\n  host: h\nexchange_tunnel: true\nexchange_tunnel_gateway: \"not a host\"\n", "ConfigValueInvalid", "not a host name")]
    [InlineData("run_root: /x\nexchange:\n  backend: kafka\n", "ConfigValueInvalid", "sqlite, rabbitmq")]
    [InlineData("run_root: /x\nexchange:\n  backend: rabbitmq\n", "ConfigValueInvalid", "-BrokerUri")]
    [InlineData("run_root: /x\nexchange:\n  backend: rabbitmq\n  broker_uri: amqp://op:secret@mq:5672/\n", "ConfigValueInvalid", "carries credentials")]
    [InlineData("run_root: /x\nexchange:\n  broker_name: chat\n", "ConfigValueInvalid", "backend: rabbitmq")]
    [InlineData("run_root: /x\nexchange:\n  brokr_uri: amqp://mq/\n", "ConfigUnknownKey", "broker_uri")]
    [InlineData("scheduler: slurm\nrun_root: /x\nscheduler_resources:\n  gpu_complex: gpu\n", "ConfigValueInvalid", "--gres=gpu")]
    [InlineData("scheduler: sge\nrun_root: /x\nscheduler_resources:\n  gpus_complex: gpu\n", "ConfigUnknownKey", "gpu_complex")]
    [InlineData("scheduler: sge\nrun_root: /x\nscheduler_resources:\n  gpu_complex: \"gpu=2\"\n", "ConfigValueInvalid", "not a Grid Engine complex name")]
    [InlineData("scheduler: sge\nrun_root: /x\nscheduler_resources:\n  memory_complex: \"h_vmem,gpu\"\n", "ConfigValueInvalid", "qconf -sc")]
    [InlineData("scheduler: sge\nrun_root: /x\nscheduler_resources: gpu\n", "ConfigTypeMismatch", "scheduler_resources")]
    public void Bad_profiles_fail_with_a_located_error_naming_the_problem(string yaml, string errorId, string mentioned)
    {
        var error = Assert.Throws<ConfigException>(() => Load("lab.yaml", yaml));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains(mentioned, error.Message + error.Remediation);
        Assert.StartsWith(Path.Combine(_files.Root, "lab.yaml") + ":", error.Message);
    }

    [Fact]
    public void Ssh_client_is_openssh_unless_the_profile_says_sshnet()
    {
        Assert.Equal(SshClientKind.OpenSsh, Load("a.yaml", "run_root: /x\nssh:\n  host: h\n").Ssh!.Client);
        Assert.Equal(SshClientKind.OpenSsh, Load("b.yaml", "run_root: /x\nssh:\n  host: h\n  client: openssh\n").Ssh!.Client);
        var sshnet = Load("c.yaml", "run_root: /x\nssh:\n  host: h\n  client: sshnet\n  options:\n    UserKnownHostsFile: ~/k\n").Ssh!;

        Assert.Equal(SshClientKind.SshNet, sshnet.Client);
        Assert.Equal("~/k", sshnet.Options["UserKnownHostsFile"]);
        Assert.IsType<SshNetShell>(SiteShell.For(Load("d.yaml", "run_root: /x\nssh:\n  host: h\n  client: sshnet\n")));
        Assert.IsType<OpenSshShell>(SiteShell.For(Load("e.yaml", "run_root: /x\nssh:\n  host: h\n")));
    }

    [Fact]
    public void A_local_tilde_run_root_is_expanded_and_a_remote_one_made_home_relative()
    {
        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, "runs"), Load("a.yaml", "run_root: ~/runs\n").RunRoot);
        Assert.Equal("runs", Load("b.yaml", "run_root: ~/runs\nssh:\n  host: h\n").RunRoot);
    }

    [Fact]
    public void The_exchange_block_names_the_broker_a_gateway_at_the_site_uses()
    {
        Assert.Null(Load("a.yaml", "run_root: /x\n").Exchange);
        var site = Load("b.yaml", "run_root: /x\nexchange:\n  backend: rabbitmq\n  broker_uri: amqp://mq1:5672/swarm,amqp://mq2:5672/swarm\n  broker_name: chat\n").Exchange!;

        Assert.Equal("rabbitmq", site.Backend);
        Assert.Equal("amqp://mq1:5672/swarm,amqp://mq2:5672/swarm", site.BrokerUri);
        Assert.Equal("chat", site.BrokerName);
    }

    [Fact]
    public void The_exchange_tunnel_is_off_unless_asked_for_and_reads_its_gateway()
    {
        Assert.False(Load("a.yaml", "run_root: /x\nssh:\n  host: h\n").ExchangeTunnel);
        var tunnelled = Load("b.yaml", "run_root: /x\nssh:\n  host: h\nexchange_tunnel: true\nexchange_tunnel_gateway: login1.hsn.example\n");
        Assert.True(tunnelled.ExchangeTunnel);
        Assert.Equal("login1.hsn.example", tunnelled.ExchangeTunnelGateway);
        Assert.Null(Load("c.yaml", "run_root: /x\nssh:\n  host: h\nexchange_tunnel: yes\n").ExchangeTunnelGateway);
    }

    [Fact]
    public void Grid_engine_complex_names_are_read_and_default_to_h_vmem_without_a_gpu()
    {
        var named = Load("a.yaml", "scheduler: sge\nrun_root: /x\nscheduler_resources:\n  memory_complex: mem_free\n  gpu_complex: gpu\n").SchedulerResources;
        Assert.Equal(("mem_free", "gpu"), (named.MemoryComplex, named.GpuComplex));

        var stock = Load("b.yaml", "scheduler: sge\nrun_root: /x\n").SchedulerResources;
        Assert.Equal(("h_vmem", (string?)null), (stock.MemoryComplex, stock.GpuComplex));
    }
}
