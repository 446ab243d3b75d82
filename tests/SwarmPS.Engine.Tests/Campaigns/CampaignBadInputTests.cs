using System.Text;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>Every bad campaign file gives a ConfigException naming file, line and column, and the fix.</summary>
public sealed class CampaignBadInputTests : IDisposable
{
    private const string Valid = CampaignTexts.TwoPeers;

    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander NoVariables = CampaignTexts.NoVariables;

    public void Dispose() => _files.Dispose();

    private ConfigException LoadFails(string text, string fileName = "bad.yaml")
    {
        var path = _files.Write(fileName, text);
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));
        Assert.Equal(path, error.Location.File);
        Assert.StartsWith($"{path}:{error.Location.Line}:{error.Location.Column}: ", error.Message);
        Assert.False(string.IsNullOrWhiteSpace(error.Remediation));
        return error;
    }

    [Fact]
    public void The_valid_base_of_these_tests_loads()
    {
        Assert.Equal(2, CampaignLoader.Load(_files.Write("ok.yaml", Valid), NoVariables).Agents.Count);
    }

    [Theory]
    [InlineData("name: demo\nagents: [\n  {name: a\n", 3)]
    [InlineData("name: demo\n  initial_agent: a\n", 2)]
    [InlineData("name: demo\nagents:\n  - name: a\n\t  site: local\n", 4)]
    public void Malformed_yaml_names_the_line(string text, int line)
    {
        var error = LoadFails(text);
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.True(error.Location.Line >= line - 1 && error.Location.Line <= line + 1, error.Message);
        Assert.True(error.Location.Column >= 1);
    }

    [Fact]
    public void A_list_left_open_names_where_reading_stopped_and_the_open_bracket()
    {
        // The inner '[' closes with the ']', so the outer list stays open into the next line, where
        // YamlDotNet's scanner throws a bare InvalidOperationException ("Operation is not valid due to
        // the current state of the object") with no position.
        var error = LoadFails("name: demo\nagents:\n  - command: [\"a\", \"b\"[, \"c\"]\n    site: local\n");
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.DoesNotContain("current state of the object", error.Message);
        Assert.Contains("the '[' opened at line 3, column 14 is still open", error.Message);
        Assert.Equal(new SourceLocation(error.Location.File, 4, 5), error.Location);
    }

    [Fact]
    public void Malformed_json_names_line_and_column()
    {
        var error = LoadFails("{\n  \"name\": \"demo\",\n  \"initial_agent\": \"a\"\n  \"user_task\": \"go\"\n}\n", "bad.json");
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.Equal(4, error.Location.Line);
        Assert.Equal(3, error.Location.Column);
    }

    [Theory]
    [InlineData("intial_agent", "initial_agent", 2)]
    [InlineData("user_tsk", "user_task", 3)]
    public void An_unknown_campaign_key_suggests_the_nearest(string typo, string meant, int line)
    {
        var error = LoadFails(Valid.Replace(meant + ":", typo + ":"));
        Assert.Equal("ConfigUnknownKey", error.ErrorId);
        Assert.Equal(line, error.Location.Line);
        Assert.Contains($"Did you mean '{meant}'?", error.Remediation);
    }

    [Fact]
    public void An_unknown_agent_key_suggests_the_nearest()
    {
        var error = LoadFails(Valid.Replace("    peers: [b]", "    peer: [b]"));
        Assert.Equal("ConfigUnknownKey", error.ErrorId);
        Assert.Equal(8, error.Location.Line);
        Assert.Equal(5, error.Location.Column);
        Assert.Contains("Did you mean 'peers'?", error.Remediation);
    }

    [Fact]
    public void An_unknown_exchange_key_suggests_the_nearest()
    {
        var error = LoadFails(Valid + "\nexchange:\n  token_varible: MY_TOKEN\n");
        Assert.Equal("ConfigUnknownKey", error.ErrorId);
        Assert.Contains("Did you mean 'token_variable'?", error.Remediation);
    }

    [Theory]
    [InlineData("name: demo", "name: [demo]", "ConfigTypeMismatch")]
    [InlineData("    peers: [b]", "    peers: b", "ConfigTypeMismatch")]
    [InlineData("    peers: [b]", "    peers: [[b]]", "ConfigTypeMismatch")]
    [InlineData("    peers: [b]", "    peers: [b]\n    restart_limit: many", "ConfigTypeMismatch")]
    [InlineData("    peers: [b]", "    peers: [b]\n    environment: [A=1]", "ConfigTypeMismatch")]
    [InlineData("user_task: go", "user_task: go\nstartup_timeout: soon", "ConfigTypeMismatch")]
    [InlineData("user_task: go", "user_task: go\nstartup_timeout: 0", "ConfigTypeMismatch")]
    [InlineData("user_task: go", "user_task: go\nexchange: embedded", "ConfigTypeMismatch")]
    [InlineData("    command: [run-a]", "    command: {program: run-a}", "ConfigTypeMismatch")]
    public void A_wrong_type_is_refused(string original, string replacement, string errorId)
    {
        var text = Valid.Replace(original, replacement);
        Assert.NotEqual(Valid, text);
        var error = LoadFails(text);
        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains("expected", error.Message);
    }

    [Fact]
    public void Agents_written_as_a_mapping_are_refused()
    {
        var error = LoadFails("name: demo\ninitial_agent: a\nuser_task: go\nagents:\n  a: {site: local}\n");
        Assert.Equal("ConfigTypeMismatch", error.ErrorId);
        Assert.Contains("a list of mappings", error.Message);
    }

    [Fact]
    public void An_agent_that_is_not_a_mapping_is_refused_at_its_line()
    {
        var error = LoadFails("name: demo\ninitial_agent: a\nuser_task: go\nagents:\n  - a\n");
        Assert.Equal("ConfigTypeMismatch", error.ErrorId);
        Assert.Equal(5, error.Location.Line);
        Assert.Contains("Item 1 of 'agents'", error.Message);
    }

    [Theory]
    [InlineData("name: demo\n", "name")]
    [InlineData("initial_agent: a\n", "initial_agent")]
    [InlineData("user_task: go\n", "user_task")]
    [InlineData("    site: local\n    command: [run-a]\n", "site")]
    [InlineData("    command: [run-a]\n", "command")]
    [InlineData("  - name: a\n    site: local\n", "name")]
    public void A_missing_required_field_is_named(string removed, string key)
    {
        var text = removed.StartsWith("    site")
            ? Valid.Replace(removed, "    command: [run-a]\n")
            : removed.StartsWith("  - name")
                ? Valid.Replace(removed, "  - site: local\n")
                : Valid.Replace(removed, "");
        Assert.NotEqual(Valid, text);
        var error = LoadFails(text);
        Assert.Equal("ConfigMissingField", error.ErrorId);
        Assert.Contains($"'{key}'", error.Message);
        Assert.Contains($"Add '{key}:'", error.Remediation);
    }

    [Theory]
    [InlineData("name: demo\ninitial_agent: a\nuser_task: go\n")]
    [InlineData("name: demo\ninitial_agent: a\nuser_task: go\nagents:\n")]
    public void Missing_agents_is_named(string text)
    {
        var error = LoadFails(text);
        Assert.Equal("ConfigMissingField", error.ErrorId);
        Assert.Contains("'agents'", error.Message);
    }

    [Fact]
    public void A_command_given_as_one_string_is_refused_with_the_list_to_write_instead()
    {
        var error = LoadFails(Valid.Replace("command: [run-a]", "command: python3 agent.py --role ping"));
        Assert.Equal("ConfigCommandNotList", error.ErrorId);
        Assert.Equal(7, error.Location.Line);
        Assert.Contains("command: [\"python3\", \"agent.py\", \"--role\", \"ping\"]", error.Remediation);
        Assert.Contains("never hands a command to a shell", error.Remediation);
    }

    [Fact]
    public void An_unset_variable_without_default_is_named()
    {
        var error = LoadFails(Valid.Replace("site: local\n    command: [run-a]", "site: ${AGENT_A_SITE}\n    command: [run-a]"));
        Assert.Equal("ConfigVariableUnset", error.ErrorId);
        Assert.Equal(6, error.Location.Line);
        Assert.Contains("'AGENT_A_SITE'", error.Message);
        Assert.Contains("${AGENT_A_SITE:-value}", error.Remediation);
    }

    [Theory]
    [InlineData("command: [run-a]", "command: [run-a, --user, <argo-user>]", "<argo-user>")]
    [InlineData("site: local\n    command: [run-a]", "site: <your-site>\n    command: [run-a]", "<your-site>")]
    [InlineData("user_task: go", "user_task: Analyse <dataset-path>", "<dataset-path>")]
    public void A_placeholder_left_in_is_refused_with_the_fix(string original, string replacement, string placeholder)
    {
        var error = LoadFails(Valid.Replace(original, replacement));
        Assert.Equal("ConfigPlaceholder", error.ErrorId);
        Assert.Contains(placeholder, error.Message);
        Assert.Contains($"Replace {placeholder}", error.Remediation);
    }

    [Fact]
    public void A_token_written_into_the_file_is_refused()
    {
        var error = LoadFails(Valid + "\nexchange:\n  token: s3cret\n");
        Assert.Equal("ConfigValueInvalid", error.ErrorId);
        Assert.Contains("token_variable", error.Remediation);
        Assert.DoesNotContain("s3cret", error.Message + error.Remediation);
    }

    [Theory]
    [InlineData("backend: embeded", "Did you mean 'embedded'?")]
    [InlineData("url: login01:8765", "http://")]
    [InlineData("url: ftp://login01/", "http://")]
    [InlineData("token_variable: abc-def", "SWARM_EXCHANGE_TOKEN")]
    public void Bad_exchange_settings_are_refused(string line, string hint)
    {
        var error = LoadFails(Valid + $"\nexchange:\n  {line}\n");
        Assert.Equal("ConfigValueInvalid", error.ErrorId);
        Assert.Equal(14, error.Location.Line);
        Assert.Contains(hint, error.Remediation);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    [InlineData("# a campaign, some day\n")]
    public void An_empty_file_is_refused(string text)
    {
        Assert.Equal("ConfigFileEmpty", LoadFails(text).ErrorId);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(_files.Root, NoVariables));
        Assert.Equal("ConfigPathIsDirectory", error.ErrorId);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(Path.Combine(_files.Root, "nope.yaml"), NoVariables));
        Assert.Equal("ConfigFileNotFound", error.ErrorId);
    }

    [Fact]
    public void A_file_over_one_mebibyte_is_refused()
    {
        var error = LoadFails(Valid + "\n# " + new string('x', 1024 * 1024) + "\n");
        Assert.Equal("ConfigFileTooLarge", error.ErrorId);
    }

    [Fact]
    public void A_utf8_bom_and_crlf_line_endings_load_the_same_campaign()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Valid.Replace("\n", "\r\n"))).ToArray();
        var windows = CampaignLoader.Load(_files.WriteBytes("windows.yaml", bytes), NoVariables);
        var unix = CampaignLoader.Load(_files.Write("unix.yaml", Valid), NoVariables);

        Assert.Equal(unix.AgentNames, windows.AgentNames);
        Assert.Equal(unix.Agents[1].Command, windows.Agents[1].Command);
        Assert.Equal(unix.Agents[1].Location!.Line, windows.Agents[1].Location!.Line);
        Assert.Equal("go", windows.UserTask);
    }

    [Fact]
    public void Errors_in_a_crlf_file_with_a_bom_point_at_the_true_line()
    {
        var text = Valid.Replace("peers: [a]", "peers: a").Replace("\n", "\r\n");
        var path = _files.WriteBytes("windows.yaml", Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray());
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));
        Assert.Equal("ConfigTypeMismatch", error.ErrorId);
        Assert.Equal(12, error.Location.Line);
    }

    [Fact]
    public void A_utf16_file_is_refused_with_the_fix()
    {
        var path = _files.WriteBytes("u16.yaml", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Valid)).ToArray());
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));
        Assert.Equal("ConfigFileEncoding", error.ErrorId);
        Assert.Contains("UTF-8", error.Remediation);
    }

    [Fact]
    public void A_refused_file_leaves_its_folder_as_it_was()
    {
        var path = _files.Write("bad.yaml", Valid.Replace("peers: [b]", "peers: b"));
        var before = Directory.GetFileSystemEntries(_files.Root).Order().ToList();
        var bytes = File.ReadAllBytes(path);

        Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));

        Assert.Equal(before, Directory.GetFileSystemEntries(_files.Root).Order().ToList());
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }
}
