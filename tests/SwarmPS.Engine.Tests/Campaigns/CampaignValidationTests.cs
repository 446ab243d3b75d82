using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using static SwarmPS.Engine.Tests.Campaigns.SampleCampaigns;

namespace SwarmPS.Engine.Tests.Campaigns;

public sealed class CampaignValidationTests
{
    private static IReadOnlyList<CampaignFinding> Validate(Campaign campaign) => CampaignValidator.Validate(campaign, KnownSites);

    private static CampaignFinding Single(Campaign campaign, string code)
    {
        var findings = Validate(campaign);
        var finding = Assert.Single(findings, finding => finding.Code == code);
        return finding;
    }

    [Fact]
    public void A_sound_campaign_has_no_findings()
    {
        Assert.Empty(Validate(ThreeAgents()));
    }

    [Fact]
    public void No_agents_is_an_error()
    {
        var finding = Single(ThreeAgents().WithAgents(), "NoAgents");
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Null(finding.Agent);
    }

    [Fact]
    public void Duplicate_names_are_errors_even_when_they_differ_only_in_case()
    {
        var campaign = ThreeAgents().WithAgents(
            Agent("planner", "alpha", "coder"), Agent("coder", "beta", "planner"), Agent("coder", "beta", "planner"), Agent("Planner", "alpha", "coder"));
        var duplicates = Validate(campaign).Where(finding => finding.Code == "AgentNameDuplicate").ToList();

        Assert.Equal(new[] { "coder", "Planner" }, duplicates.Select(finding => finding.Agent));
        Assert.All(duplicates, finding => Assert.Equal(FindingSeverity.Error, finding.Severity));
        Assert.Contains("differing only in case", duplicates[1].Message);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("-flag")]
    [InlineData("ünïcode")]
    [InlineData("")]
    [InlineData("a/b")]
    public void A_bad_agent_name_is_an_error_naming_the_rule(string name)
    {
        var campaign = ThreeAgents().WithAgents(Agent("planner", "alpha", "coder"), Agent("coder", "beta", "planner"), Agent(name, "beta", "planner"));
        var finding = Single(campaign, "AgentNameInvalid");
        Assert.Equal(name, finding.Agent);
        Assert.Contains("1 to 63", finding.Message);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Agent_7")]
    [InlineData("critic.v2-b")]
    public void Good_agent_names_pass(string name) => Assert.True(AgentName.IsValid(name));

    [Fact]
    public void A_64_character_name_is_too_long() => Assert.False(AgentName.IsValid(new string('a', 64)));

    [Fact]
    public void Self_peering_is_an_error()
    {
        var campaign = ThreeAgents() with { Agents = ThreeAgents().Agents.Select(a => a.Name == "critic" ? a with { AllowedPeers = new[] { "planner", "critic" } } : a).ToList() };
        Assert.Equal("critic", Single(campaign, "PeerIsSelf").Agent);
    }

    [Fact]
    public void An_unknown_peer_is_an_error_with_the_nearest_name_suggested()
    {
        var campaign = ThreeAgents().WithAgents(Agent("planner", "alpha", "coder", "critc"), Agent("coder", "beta", "planner"));
        var finding = Single(campaign, "PeerUnknown");
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Equal("planner", finding.Agent);
        Assert.Contains("'critc'", finding.Message);
        Assert.Contains("-Federated", finding.Message);
    }

    [Fact]
    public void A_peer_listed_twice_is_a_warning()
    {
        var campaign = ThreeAgents().WithAgents(Agent("planner", "alpha", "coder", "coder"), Agent("coder", "beta", "planner"));
        Assert.Equal(FindingSeverity.Warning, Single(campaign, "PeerDuplicate").Severity);
    }

    [Fact]
    public void An_initial_agent_that_is_not_declared_is_an_error_with_a_suggestion()
    {
        var finding = Single(ThreeAgents() with { InitialAgent = "planer" }, "InitialAgentUnknown");
        Assert.Contains("Did you mean 'planner'?", finding.Message);
    }

    public static TheoryData<string[]> EmptyCommands => new()
    {
        Array.Empty<string>(),
        new[] { "" },
        new[] { "  ", "arg" },
    };

    [Theory]
    [MemberData(nameof(EmptyCommands))]
    public void An_empty_command_is_an_error(string[] command)
    {
        var campaign = ThreeAgents() with { Agents = ThreeAgents().Agents.Select(a => a.Name == "coder" ? a with { Command = command } : a).ToList() };
        Assert.Equal("coder", Single(campaign, "CommandEmpty").Agent);
    }

    [Fact]
    public void An_unknown_site_is_an_error_with_the_nearest_site_suggested()
    {
        var campaign = ThreeAgents() with { Agents = ThreeAgents().Agents.Select(a => a.Name == "coder" ? a with { Site = "polars" } : a).ToList() };
        var finding = Single(campaign, "SiteUnknown");
        Assert.Contains("Did you mean 'polaris'?", finding.Message);
        Assert.Contains("Known sites: local, alpha, beta, polaris", finding.Message);
    }

    [Fact]
    public void Site_names_come_from_the_caller()
    {
        var findings = CampaignValidator.Validate(ThreeAgents(), new[] { "local" });
        Assert.Equal(new[] { "SiteUnknown", "SiteUnknown", "SiteUnknown" }, findings.Codes());
    }

    [Fact]
    public void A_negative_restart_limit_is_an_error()
    {
        var campaign = ThreeAgents() with { Agents = ThreeAgents().Agents.Select(a => a.Name == "critic" ? a with { RestartLimit = -1 } : a).ToList() };
        Assert.Equal("critic", Single(campaign, "RestartLimitNegative").Agent);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_non_positive_startup_timeout_is_an_error(int seconds)
    {
        Single(ThreeAgents() with { StartupTimeout = TimeSpan.FromSeconds(seconds) }, "StartupTimeoutInvalid");
    }

    [Fact]
    public void An_empty_user_task_is_an_error()
    {
        Single(ThreeAgents() with { UserTask = "  " }, "UserTaskEmpty");
    }

    [Theory]
    [InlineData("SWARM_EXCHANGE_TOKEN", "EnvironmentReserved")]
    [InlineData("SWARM_PEERS", "EnvironmentReserved")]
    [InlineData("1BAD", "EnvironmentNameInvalid")]
    [InlineData("A-B", "EnvironmentNameInvalid")]
    public void Bad_or_reserved_environment_names_are_errors(string variable, string code)
    {
        var environment = new Dictionary<string, string> { [variable] = "x", ["FINE_ONE"] = "y" };
        var campaign = ThreeAgents() with { Agents = ThreeAgents().Agents.Select(a => a.Name == "planner" ? a with { Environment = environment } : a).ToList() };
        Assert.Equal("planner", Single(campaign, code).Agent);
    }

    [Fact]
    public void An_agent_nobody_can_reach_is_a_warning()
    {
        var campaign = ThreeAgents().WithAgents(Agent("planner", "alpha", "coder"), Agent("coder", "beta", "planner"), Agent("loner", "beta", "planner"));
        var finding = Single(campaign, "AgentUnreachable");
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal("loner", finding.Agent);
    }

    [Fact]
    public void The_initial_agent_needs_no_one_to_reach_it()
    {
        var campaign = ThreeAgents().WithAgents(Agent("planner", "alpha", "coder"), Agent("coder", "beta"));
        Assert.DoesNotContain("AgentUnreachable", Validate(campaign).Codes());
        Assert.Equal("coder", Single(campaign, "AgentHasNoPeers").Agent);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_declaration_order()
    {
        var campaign = ThreeAgents().WithAgents(
            Agent("bad name", "nowhere", "ghost") with { Command = Array.Empty<string>() },
            Agent("coder", "beta", "coder")) with { InitialAgent = "missing" };
        var codes = Validate(campaign).Codes();
        Assert.Equal(
            new[] { "AgentNameInvalid", "CommandEmpty", "SiteUnknown", "PeerUnknown", "PeerIsSelf", "InitialAgentUnknown", "AgentUnreachable", "AgentUnreachable", "AgentHasNoPeers" },
            codes);
    }

    [Fact]
    public void Findings_from_a_file_carry_the_agent_location()
    {
        using var files = new Tests.Configuration.TempConfigFiles();
        var path = files.Write("c.yaml", "name: c\ninitial_agent: a\nuser_task: go\nagents:\n  - name: a\n    site: alpha\n    command: [x]\n    peers: [a]\n");
        var finding = Assert.Single(CampaignValidator.ValidateFile(path, KnownSites, expander: new VariableExpander(_ => null)));
        Assert.Equal("PeerIsSelf", finding.Code);
        Assert.Equal(new SourceLocation(path, 5, 5), finding.Location);
    }

    [Fact]
    public void An_empty_user_task_points_at_the_user_task_line()
    {
        using var files = new Tests.Configuration.TempConfigFiles();
        var path = files.Write("c.yaml", "name: c\ninitial_agent: a\nuser_task: '  '\nagents:\n  - name: a\n    site: alpha\n    command: [x]\n    peers: [b]\n  - name: b\n    site: alpha\n    command: [x]\n    peers: [a]\n");
        var finding = Assert.Single(CampaignValidator.ValidateFile(path, KnownSites, expander: new VariableExpander(_ => null)));
        Assert.Equal("UserTaskEmpty", finding.Code);
        Assert.Equal(new SourceLocation(path, 3, 12), finding.Location);
    }

    [Fact]
    public void A_file_that_cannot_be_read_becomes_one_error_finding_with_its_location()
    {
        using var files = new Tests.Configuration.TempConfigFiles();
        var path = files.Write("c.yaml", "name: c\nintial_agent: a\n");
        var finding = Assert.Single(CampaignValidator.ValidateFile(path, KnownSites));
        Assert.Equal("ConfigUnknownKey", finding.Code);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Equal(new SourceLocation(path, 2, 1), finding.Location);
        Assert.Contains("Did you mean 'initial_agent'?", finding.Message);
        Assert.DoesNotContain(path, finding.Message);
    }
}
