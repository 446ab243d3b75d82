using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Launch;

public sealed class RunLocatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-locator-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private SiteCatalog Catalog()
    {
        var sites = Path.Combine(_root, "sites");
        Directory.CreateDirectory(sites);
        File.WriteAllText(Path.Combine(sites, "alpha.yaml"), $"run_root: {_root}/alpha-runs\n");
        File.WriteAllText(Path.Combine(sites, "beta.yaml"), $"run_root: {_root}/beta-runs\n");
        return new SiteCatalog(new[] { sites }, new VariableExpander(_ => null));
    }

    private void Started(string site, string runId)
    {
        var layout = new SiteRunLayout(Path.Combine(_root, $"{site}-runs"), runId, site);
        SiteStatusFile.Write(layout.StatusFile, new SiteStatus { RunId = runId, Site = site });
    }

    [Fact]
    public void Finds_the_sites_of_a_run_on_this_machine()
    {
        Started("alpha", "demo-001");
        Started("beta", "demo-001");
        Started("beta", "other");

        var found = RunLocator.Find(Catalog(), "demo-001", null);

        Assert.Equal(new[] { "alpha", "beta" }, found.Select(layout => layout.Site).Order());
        Assert.Equal(new[] { "beta" }, RunLocator.Find(Catalog(), "demo-001", new[] { "beta" }).Select(layout => layout.Site));
    }

    [Fact]
    public void An_unknown_run_says_where_it_looked()
    {
        var error = Assert.Throws<SwarmException>(() => RunLocator.Find(Catalog(), "nope", null));
        Assert.Equal("RunNotFound", error.ErrorId);
        Assert.Contains(Path.Combine(_root, "alpha-runs", "nope", "alpha"), error.Message);
    }

    [Fact]
    public void Known_run_ids_are_listed_once_for_completion_and_odd_directories_are_ignored()
    {
        Started("alpha", "demo-001");
        Started("beta", "demo-001");
        Started("beta", "demo-002");
        Directory.CreateDirectory(Path.Combine(_root, "alpha-runs", "Not A Run"));
        // What the scheduler keeps in a run root (JobLayout.JobRootFor): a valid-looking name that is no run.
        Directory.CreateDirectory(Path.Combine(_root, "alpha-runs", "jobs", "0123456789abcdef", "a1"));

        Assert.Equal(new[] { "demo-001", "demo-002" }, RunLocator.KnownRunIds(Catalog()).Order());
    }
}
