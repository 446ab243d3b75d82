using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Sites;

public sealed class SiteCatalogTests : IDisposable
{
    private readonly TempConfigFiles _files = new();
    private readonly Dictionary<string, string> _environment = new() { ["HOME"] = "/home/alice" };

    public void Dispose() => _files.Dispose();

    private SiteCatalog Catalog(params string[] directories) =>
        new(directories.Length == 0 ? new[] { Path.Combine(_files.Root, "user") } : directories,
            new VariableExpander(name => _environment.GetValueOrDefault(name)));

    [Fact]
    public void Lists_every_built_in_site_even_when_templates_are_not_filled_in()
    {
        var names = Catalog().List().Select(entry => entry.Name).ToList();
        Assert.Equal(new[] { "aurora", "crux", "hoffman2", "local", "perlmutter", "polaris" }, names);
    }

    [Fact]
    public void The_local_site_is_ready_with_no_environment_beyond_home()
    {
        var local = Catalog().Get("local");
        Assert.Equal(SchedulerKind.Local, local.Scheduler);
        Assert.False(local.IsRemote);
        Assert.Equal("/home/alice/.local/share/swarmps/runs", local.RunRoot);
    }

    [Fact]
    public void A_template_lists_as_not_ready_and_names_the_variables_to_set()
    {
        var polaris = Assert.Single(Catalog().List("polaris"));
        Assert.False(polaris.Ready);
        Assert.Contains("ALCF_SSH_USER or ALCF_USER", polaris.Problem);

        var error = Assert.Throws<ConfigException>(() => Catalog().Get("polaris"));
        Assert.Equal("ConfigPlaceholder", error.ErrorId);
        Assert.StartsWith("built-in/polaris.yaml:", error.Message);
    }

    [Theory]
    [InlineData("aurora", SchedulerKind.Pbs, "aurora.alcf.anl.gov")]
    [InlineData("perlmutter", SchedulerKind.Slurm, "perlmutter.nersc.gov")]
    public void A_template_that_is_not_ready_still_shows_its_scheduler_and_login_host(string name, SchedulerKind scheduler, string host)
    {
        var entry = Assert.Single(Catalog().List(name));
        Assert.False(entry.Ready);
        Assert.Equal(scheduler, entry.Scheduler);
        Assert.Equal(host, entry.LoginHost);
        Assert.NotNull(entry.Description);
    }

    [Fact]
    public void A_template_becomes_ready_from_the_environment_with_a_differing_ssh_login()
    {
        _environment["ALCF_USER"] = "alice";
        _environment["ALCF_SSH_USER"] = "alice2";
        _environment["ALCF_PROJECT"] = "SwarmSci";
        var polaris = Catalog().Get("polaris");
        Assert.Equal(SchedulerKind.Pbs, polaris.Scheduler);
        Assert.Equal("alice2@polaris.alcf.anl.gov", polaris.Ssh!.Destination);
        Assert.Equal("/lus/eagle/projects/SwarmSci/swarmps/runs", polaris.RunRoot);
        Assert.Equal("SwarmSci", polaris.Account);
        Assert.Equal(TimeSpan.FromHours(24), polaris.Limits.MaxWalltime);
        Assert.Equal("http://proxy.alcf.anl.gov:3128", polaris.HttpProxy);
    }

    [Fact]
    public void The_ssh_login_falls_back_to_the_workspace_user()
    {
        _environment["ALCF_USER"] = "alice";
        _environment["ALCF_PROJECT"] = "SwarmSci";
        Assert.Equal("alice", Catalog().Get("aurora").Ssh!.User);
    }

    [Fact]
    public void A_remote_home_relative_run_root_stays_relative()
    {
        _environment["NERSC_USER"] = "alice";
        _environment["NERSC_ACCOUNT"] = "m0000";
        var perlmutter = Catalog().Get("perlmutter");
        Assert.Equal(SchedulerKind.Slurm, perlmutter.Scheduler);
        Assert.Equal("swarmps/runs", perlmutter.RunRoot);
    }

    [Fact]
    public void A_user_profile_overrides_the_built_in_of_the_same_name()
    {
        var user = Path.Combine(_files.Root, "user");
        _files.Write("user/polaris.yaml", "scheduler: pbs\nssh:\n  host: polaris.example\n  user: bob\nrun_root: /scratch/bob\n");
        var polaris = Catalog(user).Get("polaris");
        Assert.Equal("bob@polaris.example", polaris.Ssh!.Destination);
        Assert.EndsWith("polaris.yaml", polaris.Source);
        Assert.True(Assert.Single(Catalog(user).List("pol*")).Ready);
    }

    [Fact]
    public void Earlier_directories_win_so_a_project_path_beats_the_user_directory()
    {
        _files.Write("project/lab.yaml", "run_root: /project\n");
        _files.Write("user/lab.yaml", "run_root: /user\n");
        var catalog = Catalog(Path.Combine(_files.Root, "project"), Path.Combine(_files.Root, "user"));
        Assert.Equal("/project", catalog.Get("lab").RunRoot);
    }

    [Fact]
    public void Wildcards_select_sites()
    {
        Assert.Equal(new[] { "aurora" }, Catalog().List("a*").Select(entry => entry.Name));
        Assert.Equal(new[] { "crux", "polaris" }, Catalog().List("*[xs]").Select(entry => entry.Name));
    }

    [Fact]
    public void An_unknown_site_suggests_the_nearest_and_says_where_to_add_one()
    {
        var error = Assert.Throws<SwarmException>(() => Catalog().Get("polars"));
        Assert.Equal("SiteNotFound", error.ErrorId);
        Assert.Contains("Did you mean 'polaris'?", error.Remediation);
        Assert.Contains("polars.yaml", error.Remediation);
    }

    [Fact]
    public void A_broken_user_profile_is_listed_with_its_error_and_does_not_hide_other_sites()
    {
        var user = Path.Combine(_files.Root, "user");
        _files.Write("user/broken.yaml", "schedular: slurm\nrun_root: /x\n");
        var entries = Catalog(user).List();
        var broken = Assert.Single(entries, entry => entry.Name == "broken");
        Assert.False(broken.Ready);
        Assert.Contains("Did you mean 'scheduler'?", broken.Problem);
        Assert.Contains(entries, entry => entry.Name == "local" && entry.Ready);
    }

    [Fact]
    public void The_default_search_path_honours_swarmps_site_path_then_xdg()
    {
        var environment = new Dictionary<string, string> { ["SWARMPS_SITE_PATH"] = "/a:/b", ["XDG_CONFIG_HOME"] = "/cfg" };
        Assert.Equal(new[] { "/a", "/b", "/cfg/swarmps/sites" }, SiteCatalog.DefaultDirectories(name => environment.GetValueOrDefault(name)));
        var bare = new Dictionary<string, string> { ["HOME"] = "/home/alice" };
        Assert.Equal(new[] { "/home/alice/.config/swarmps/sites" }, SiteCatalog.DefaultDirectories(name => bare.GetValueOrDefault(name)));
    }

    [Fact]
    public void The_demo_sites_alpha_and_beta_load_with_separate_run_roots()
    {
        var examples = Path.Combine(RepositoryRoot.Path, "examples", "sites");
        var catalog = Catalog(examples);
        var alpha = catalog.Get("alpha");
        var beta = catalog.Get("beta");
        Assert.Equal(SchedulerKind.Local, alpha.Scheduler);
        Assert.NotEqual(alpha.RunRoot, beta.RunRoot);
    }
}
