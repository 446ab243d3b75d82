using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// The campaign a plan runs as, written and read back by the real CampaignLoader: one agent per role with the
/// peers the roles may message, the role host as every agent's command (its argv exactly as given, whatever
/// characters its path holds), and a contributor named like the coordinator's role refused.
/// </summary>
public sealed class TrainingCampaignTests : IDisposable
{
    private static readonly TrainingPlan Plan = LivePlans.Sound();
    private static readonly string[] RoleHost = { "/usr/bin/dotnet", "/opt/swarmps/SwarmPS.SiteHost.dll" };

    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-live-campaign-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_campaign_has_the_coordinator_and_each_contributor_on_its_site_with_their_peers()
    {
        var campaign = Load(TrainingCampaign.Yaml(Plan, RoleHost));

        Assert.Equal("ft-demo", campaign.Name);
        Assert.Equal("coordinator", campaign.InitialAgent);
        Assert.Equal(TrainingCampaign.StartupTimeout, campaign.StartupTimeout);
        Assert.Equal(new[] { "coordinator", "c1", "c2" }, campaign.AgentNames);
        Assert.Equal(new[] { "alpha", "alpha", "beta" }, campaign.Agents.Select(agent => agent.Site));
        Assert.Equal(new[] { "c1", "c2" }, campaign.Agents[0].AllowedPeers);
        Assert.Equal(new[] { "coordinator" }, campaign.Agents[1].AllowedPeers);
        Assert.Equal(new[] { "coordinator" }, campaign.Agents[2].AllowedPeers);
        Assert.All(campaign.Agents, agent => Assert.Equal(RoleHost.Append("training-role"), agent.Command));
        Assert.Contains(Plan.Digest, campaign.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_puts_the_file_owner_only_in_the_site_directory_and_returns_what_it_loads()
    {
        var site = Path.Combine(_root, "site");
        var campaign = TrainingCampaign.Write(site, TrainingCampaign.Yaml(Plan, RoleHost));
        var path = Path.Combine(site, TrainingCampaign.FileName);

        Assert.Equal(path, campaign.Source);
        Assert.Equal(TrainingCampaign.Yaml(Plan, RoleHost), File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(new[] { "coordinator", "c1", "c2" }, campaign.AgentNames);
    }

    [Fact]
    public void A_contributor_named_coordinator_is_refused()
    {
        var plan = Plan with { Contributors = new[] { Plan.Contributors[0], Plan.Contributors[1] with { Id = "coordinator" } } };

        var error = Assert.Throws<SwarmException>(() => TrainingCampaign.Yaml(plan, RoleHost));

        Assert.Equal("TrainingContributorNameReserved", error.ErrorId);
        Assert.Equal("coordinator", error.Target);
        Assert.Contains("Rename", error.Remediation, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> HostilePaths() => new()
    {
        { "spaces", "/home/a user/my tools/SwarmPS.SiteHost.dll" },
        { "quotes", "/srv/it's \"quoted\"/SiteHost.dll" },
        { "comment", "/srv/#not a comment/SiteHost.dll" },
        { "colon", "/srv/a: b/c:d/SiteHost.dll" },
        { "newline", "/srv/two\nlines/SiteHost.dll" },
        { "carriage return and tab", "/srv/a\r\tb/SiteHost.dll" },
        { "backslashes", "/srv/back\\slash\\n/SiteHost.dll" },
        { "yaml indicators", "- [x] {y}: &z *w !t |p >q %r @s `u` ,v" },
        { "non-ASCII", "/home/jürgen/Données/训练/SiteHost.dll" },
        { "outside the BMP", "/srv/\U0001F600 and \U00010348/SiteHost.dll" },
        { "a variable reference", "/srv/${HOME}/and/${SWARMPS_NOT_SET}/SiteHost.dll" },
        { "an escaped reference", "/srv/$${HOME}/$$/$/SiteHost.dll" },
        { "line and paragraph separators", "/srv/a\u2028b\u2029c\u0085d/SiteHost.dll" },
        { "leading and trailing spaces", "  /srv/SiteHost.dll  " },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void A_role_host_path_with_any_characters_survives_the_campaign_file_exactly(string what, string path)
    {
        var roleHost = new[] { "/usr/bin/dotnet", path, "--flag=" + path };

        var campaign = Load(TrainingCampaign.Yaml(Plan, roleHost));

        Assert.Equal(3, campaign.Agents.Count);
        Assert.All(campaign.Agents, agent => Assert.True(agent.Command.SequenceEqual(roleHost.Append("training-role")), $"{what}: {agent.CommandLine}"));
    }

    private Campaign Load(string yaml)
    {
        var path = Path.Combine(_root, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return CampaignLoader.Load(path);
    }
}
