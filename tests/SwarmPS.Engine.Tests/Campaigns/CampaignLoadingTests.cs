using System.Text.Json;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Campaigns;

public sealed class CampaignLoadingTests : IDisposable
{
    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander NoVariables = new(_ => null);

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_yaml_example_loads_with_every_field()
    {
        var path = RepositoryFiles.Path("examples", "two-site-campaign.yaml");
        var campaign = CampaignLoader.Load(path, NoVariables);

        Assert.Equal("two-site-counter", campaign.Name);
        Assert.Equal("ping", campaign.InitialAgent);
        Assert.Equal("Count from 1 to 10, one number per turn.", campaign.UserTask);
        Assert.Equal(TimeSpan.FromSeconds(60), campaign.StartupTimeout);
        Assert.Equal("embedded", campaign.Exchange.Backend);
        Assert.Equal("SWARM_EXCHANGE_TOKEN", campaign.Exchange.TokenVariable);
        Assert.Equal(TimeSpan.FromSeconds(5), campaign.Exchange.HeartbeatInterval);
        Assert.Equal(new[] { "ping", "pong" }, campaign.AgentNames);
        Assert.Equal(new[] { "alpha", "beta" }, campaign.Sites);
        Assert.Equal(Path.GetFullPath(path), campaign.Source);
        Assert.False(campaign.IsSlice);

        var ping = campaign.Agents[0];
        Assert.Equal(new[] { "python3", "examples/federated-chat/agent.py", "--role", "counter", "--stop-at", "10" }, ping.Command);
        Assert.Equal("1", ping.Environment["PYTHONUNBUFFERED"]);
        Assert.Equal(new[] { "pong" }, ping.AllowedPeers);
        Assert.Equal(1, ping.RestartLimit);
        Assert.Equal(path, ping.Location!.File);
        Assert.True(ping.Location.Line > 20, $"ping declared at {ping.Location}");
    }

    [Fact]
    public void The_yaml_and_jsonc_examples_load_to_equal_campaigns()
    {
        var yaml = CampaignLoader.Load(RepositoryFiles.Path("examples", "two-site-campaign.yaml"), NoVariables);
        var jsonc = CampaignLoader.Load(RepositoryFiles.Path("examples", "two-site-campaign.jsonc"), NoVariables);

        Assert.Equal(WithoutOrigin(yaml), WithoutOrigin(jsonc));
    }

    [Fact]
    public void The_example_is_valid_when_sites_alpha_and_beta_are_known()
    {
        var campaign = CampaignLoader.Load(RepositoryFiles.Path("examples", "two-site-campaign.yaml"), NoVariables);
        Assert.Empty(CampaignValidator.Validate(campaign, new[] { "local", "alpha", "beta" }));
    }

    [Fact]
    public void Plain_json_is_read_too()
    {
        var path = _files.Write("c.json", """
            {"name": "j", "initial_agent": "a", "user_task": "go",
             "agents": [{"name": "a", "site": "local", "command": ["/bin/true"]}]}
            """);
        var campaign = CampaignLoader.Load(path, NoVariables);
        Assert.Equal("j", campaign.Name);
        Assert.Equal(new[] { "/bin/true" }, campaign.Agents.Single().Command);
    }

    [Fact]
    public void Defaults_apply_to_what_a_minimal_file_leaves_out()
    {
        var path = _files.Write("min.yaml", """
            name: minimal
            initial_agent: solo
            user_task: Say hello.
            agents:
              - name: solo
                site: local
                command: [echo, hello]
            """);
        var campaign = CampaignLoader.Load(path, NoVariables);

        Assert.Equal(TimeSpan.FromSeconds(600), campaign.StartupTimeout);
        Assert.Equal(new ExchangeSettings(), campaign.Exchange);
        var solo = campaign.Agents.Single();
        Assert.Equal(0, solo.RestartLimit);
        Assert.Empty(solo.Environment);
        Assert.Empty(solo.AllowedPeers);
        Assert.Null(campaign.Description);
    }

    [Fact]
    public void Command_arguments_arrive_exactly_as_written_and_variables_are_expanded()
    {
        var path = _files.Write("argv.yaml", """
            name: argv
            initial_agent: a
            user_task: t
            agents:
              - name: a
                site: local
                command: ["python3", "two words", "it's \"quoted\"", "$HOME stays", "${MODEL:-llama}", "; rm -rf / #"]
                environment:
                  DATA: ${SCRATCH}/data
            """);
        var expander = new VariableExpander(name => name == "SCRATCH" ? "/scratch/alice" : null);
        var agent = CampaignLoader.Load(path, expander).Agents.Single();

        Assert.Equal(new[] { "python3", "two words", "it's \"quoted\"", "$HOME stays", "llama", "; rm -rf / #" }, agent.Command);
        Assert.Equal("/scratch/alice/data", agent.Environment["DATA"]);
        Assert.Equal("python3 'two words' 'it'\\''s \"quoted\"' '$HOME stays' llama '; rm -rf / #'", agent.CommandLine);
    }

    [Fact]
    public void A_multi_line_user_task_keeps_its_lines()
    {
        var path = _files.Write("task.yaml", """
            name: t
            initial_agent: a
            user_task: |
              First line.
              Second line.
            agents:
              - {name: a, site: local, command: [x]}
            """);
        Assert.Equal("First line.\nSecond line.\n", CampaignLoader.Load(path, NoVariables).UserTask);
    }

    [Fact]
    public void An_exchange_url_is_read_as_an_address()
    {
        var path = _files.Write("url.yaml", """
            name: t
            initial_agent: a
            user_task: go
            exchange: {backend: http, url: "http://${EXCHANGE_HOST:-login01}:8765/"}
            agents:
              - {name: a, site: local, command: [x]}
            """);
        var exchange = CampaignLoader.Load(path, NoVariables).Exchange;
        Assert.Equal("http", exchange.Backend);
        Assert.Equal(new Uri("http://login01:8765/"), exchange.Url);
    }

    // Source file and declaration lines differ between formats by design; everything else must not.
    private static string WithoutOrigin(Campaign campaign) => JsonSerializer.Serialize(campaign with
    {
        Source = "",
        InitialAgentLocation = null,
        UserTaskLocation = null,
        Agents = campaign.Agents.Select(agent => agent with { Location = null }).ToList(),
    });
}
