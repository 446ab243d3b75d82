using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Sites;

/// <summary>The profile's launcher: key and allocation: block (defaults for Start-SwarmSite -Allocation).</summary>
public sealed class SiteProfileAllocationTests : IDisposable
{
    private readonly TempConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private SiteProfile Load(string yaml) => SiteProfileLoader.Load(_files.Write("lab.yaml", yaml));

    [Fact]
    public void Reads_the_launcher_and_the_allocation_block()
    {
        var profile = Load("""
            scheduler: pbs
            run_root: /lus/runs
            queue: prod
            launcher: mpiexec
            allocation:
              nodes: 2
              walltime: 01:30:00
              queue: debug
            """);
        Assert.Equal("mpiexec", profile.Launcher);
        Assert.Equal(new SiteProfileAllocation { Nodes = 2, Walltime = TimeSpan.FromMinutes(90), Queue = "debug" }, profile.Allocation);
        Assert.Equal("prod", profile.Queue);
    }

    [Fact]
    public void A_profile_without_them_has_neither()
    {
        var profile = Load("scheduler: slurm\nrun_root: /x\n");
        Assert.Null(profile.Launcher);
        Assert.Null(profile.Allocation);
    }

    [Theory]
    [InlineData("launcher: aprun\n", "launcher")]
    [InlineData("allocation:\n  nodes: 0\n", "nodes")]
    [InlineData("allocation:\n  walltime: soon\n", "walltime")]
    [InlineData("allocation:\n  ranks: 4\n", "ranks")]
    public void Refuses_a_bad_launcher_or_allocation_key(string yaml, string named)
    {
        var error = Assert.Throws<ConfigException>(() => Load("scheduler: slurm\nrun_root: /x\n" + yaml));
        Assert.Contains(named, error.Message + error.Remediation, StringComparison.Ordinal);
    }
}
