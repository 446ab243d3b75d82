using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// What Start-SwarmSite refuses before it asks ShouldProcess or starts a detached launcher: the operator
/// must see the real error id in their own session, not SiteStartFailed from a child process.
/// </summary>
public sealed class SiteLaunchRequestTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-request-").FullName;

    public SiteLaunchRequestTests()
    {
        foreach (var site in new[] { "alpha", "beta" })
        {
            File.WriteAllText(Path.Combine(_root, $"{site}.yaml"), $"scheduler: local\nrun_root: {Path.Combine(_root, site + "-runs")}\n");
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private SiteCatalog Catalog => new(new[] { _root }, new VariableExpander(_ => null));

    private static SiteLaunchRequest Request(string? site) => new()
    {
        Campaign = LaunchTestBed.Campaign("ping",
            LaunchTestBed.Agent("ping", "alpha", new[] { "sleep", "1" }, peers: "pong"),
            LaunchTestBed.Agent("pong", "beta", new[] { "sleep", "1" }, peers: "ping")),
        RunId = "request-check",
        Site = site,
        Agents = new[] { "ping" },
        // No exchange URL: the site check must come first, before any exchange or token is needed.
        WorkingDirectory = "/",
    };

    [Fact]
    public void A_site_with_none_of_the_selected_agents_fails_with_NoAgentsForSite_before_the_exchange_is_needed()
    {
        var error = Assert.Throws<SwarmException>(() => Request("beta").Resolve(Catalog));

        Assert.Equal("NoAgentsForSite", error.ErrorId);
        Assert.Contains("'beta'", error.Message);
        Assert.Contains("ping on alpha", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "beta-runs")), "nothing may be written for a refused launch");
    }

    [Fact]
    public void Agents_on_two_sites_without_a_site_fail_with_SiteAmbiguous_naming_both()
    {
        var error = Assert.Throws<SwarmException>(() => (Request(null) with { Agents = null }).Resolve(Catalog));

        Assert.Equal("SiteAmbiguous", error.ErrorId);
        Assert.Contains("alpha, beta", error.Message);
    }
}
