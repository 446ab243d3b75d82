using System.Text;
using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Tests.Configuration;

public sealed class ConfigDocumentTests : IDisposable
{
    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander NoVariables = new(_ => null);

    public void Dispose() => _files.Dispose();

    private static MappingReader Read(ConfigDocument document) =>
        document.RootReader("test file", "name", "count", "items", "nested", "timeout");

    [Fact]
    public void Reads_yaml_with_locations()
    {
        var path = _files.Write("a.yaml", "name: alpha\ncount: 3\nitems: [x, y]\n");
        var reader = Read(ConfigDocument.Load(path, NoVariables));
        Assert.Equal("alpha", reader.RequiredString("name"));
        Assert.Equal(3, reader.OptionalInt("count"));
        Assert.Equal(new[] { "x", "y" }, reader.StringList("items"));
        Assert.Equal(2, reader.Node("count")!.Location.Line);
    }

    [Fact]
    public void Reads_json_with_comments_and_trailing_commas_with_locations()
    {
        var path = _files.Write("a.json", "{\n  // a comment\n  \"name\": \"alpha\",\n  \"count\": 3,\n}\n");
        var reader = Read(ConfigDocument.Load(path, NoVariables));
        Assert.Equal("alpha", reader.RequiredString("name"));
        Assert.Equal(new SourceLocation(path, 4, 12), reader.Node("count")!.Location);
    }

    [Theory]
    [InlineData("{\n  \"name\": \"x\\ud800\"\n}\n", 2)]
    [InlineData("{\n\n  \"\\udc00name\": \"x\"\n}\n", 3)]
    public void A_lone_surrogate_escape_in_json_is_a_syntax_finding_at_its_line_not_a_crash(string json, int line)
    {
        var path = _files.Write("surrogate.json", json);

        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(path, NoVariables));

        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.Equal(line, error.Location.Line);
        Assert.Contains("lone surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf8_bom_and_crlf_line_endings_are_accepted_and_lines_stay_true()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("name: alpha\r\ncount: x\r\n")).ToArray();
        var path = _files.WriteBytes("bom.yaml", bytes);
        var reader = Read(ConfigDocument.Load(path, NoVariables));
        Assert.Equal("alpha", reader.RequiredString("name"));
        var error = Assert.Throws<ConfigException>(() => reader.OptionalInt("count"));
        Assert.Equal(2, error.Location.Line);
        Assert.Equal("ConfigTypeMismatch", error.ErrorId);
    }

    [Fact]
    public void Malformed_yaml_names_file_line_and_column()
    {
        var path = _files.Write("bad.yaml", "name: alpha\nitems: [x, y\ncount: 3\n");
        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(path, NoVariables));
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.StartsWith($"{path}:", error.Message);
        Assert.True(error.Location.Line >= 2, error.Message);
    }

    [Fact]
    public void A_tab_used_as_indentation_is_located_at_the_tab()
    {
        var path = _files.Write("tab.yaml", "name: alpha\nitems:\n  - x\n\t- y\n");
        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(path, NoVariables));
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.Equal(new SourceLocation(path, 4, 1), error.Location);
    }

    [Fact]
    public void Malformed_json_names_file_line_and_column()
    {
        var path = _files.Write("bad.json", "{\n  \"name\": \"alpha\"\n  \"count\": 3\n}\n");
        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(path, NoVariables));
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.Equal(3, error.Location.Line);
    }

    [Fact]
    public void An_unknown_key_suggests_the_nearest_known_key()
    {
        var path = _files.Write("typo.yaml", "name: alpha\ncuont: 3\n");
        var error = Assert.Throws<ConfigException>(() => Read(ConfigDocument.Load(path, NoVariables)));
        Assert.Equal("ConfigUnknownKey", error.ErrorId);
        Assert.Equal(2, error.Location.Line);
        Assert.Contains("Did you mean 'count'?", error.Remediation);
    }

    [Fact]
    public void Duplicate_keys_are_refused()
    {
        var path = _files.Write("dup.json", "{ \"name\": \"a\", \"name\": \"b\" }");
        var error = Assert.Throws<ConfigException>(() => Read(ConfigDocument.Load(path, NoVariables)));
        Assert.Equal("ConfigDuplicateKey", error.ErrorId);
    }

    [Fact]
    public void Duplicate_yaml_keys_are_refused_with_a_location()
    {
        var path = _files.Write("dup.yaml", "name: a\nname: b\n");
        var error = Assert.ThrowsAny<ConfigException>(() => Read(ConfigDocument.Load(path, NoVariables)));
        Assert.Contains("name", error.Message);
        Assert.True(error.Location.Line >= 1);
    }

    [Fact]
    public void A_wrong_type_names_key_found_and_expected()
    {
        var path = _files.Write("type.yaml", "name: [a, b]\n");
        var error = Assert.Throws<ConfigException>(() => Read(ConfigDocument.Load(path, NoVariables)).RequiredString("name"));
        Assert.Equal("ConfigTypeMismatch", error.ErrorId);
        Assert.Contains("'name'", error.Message);
        Assert.Contains("a list", error.Message);
    }

    [Fact]
    public void A_missing_required_field_is_named()
    {
        var path = _files.Write("missing.yaml", "count: 1\n");
        var error = Assert.Throws<ConfigException>(() => Read(ConfigDocument.Load(path, NoVariables)).RequiredString("name"));
        Assert.Equal("ConfigMissingField", error.ErrorId);
        Assert.Contains("'name'", error.Message);
    }

    [Fact]
    public void A_placeholder_left_in_is_refused_with_the_fix()
    {
        var path = _files.Write("placeholder.yaml", "name: /home/<argo-user>/runs\n");
        var error = Assert.Throws<ConfigException>(() => Read(ConfigDocument.Load(path, NoVariables)).RequiredString("name"));
        Assert.Equal("ConfigPlaceholder", error.ErrorId);
        Assert.Contains("<argo-user>", error.Message);
        Assert.Contains("Replace <argo-user>", error.Remediation);
    }

    [Fact]
    public void A_placeholder_supplied_through_a_variable_is_also_refused()
    {
        var path = _files.Write("placeholder.yaml", "name: ${WHO}\n");
        var expander = new VariableExpander(name => name == "WHO" ? "<your-user>" : null);
        var error = Assert.Throws<ConfigException>(() => Read(ConfigDocument.Load(path, expander)).RequiredString("name"));
        Assert.Equal("ConfigPlaceholder", error.ErrorId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# only a comment\n")]
    public void An_empty_file_is_refused(string text)
    {
        var path = _files.Write("empty.yaml", text);
        Assert.Equal("ConfigFileEmpty", Assert.Throws<ConfigException>(() => ConfigDocument.Load(path)).ErrorId);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        Assert.Equal("ConfigPathIsDirectory", Assert.Throws<ConfigException>(() => ConfigDocument.Load(_files.Root)).ErrorId);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(Path.Combine(_files.Root, "nope.yaml")));
        Assert.Equal("ConfigFileNotFound", error.ErrorId);
    }

    [Theory]
    [InlineData("*.yaml")]
    [InlineData("camp?.yaml")]
    [InlineData("[ab].yaml")]
    public void A_wildcard_pattern_that_names_no_file_says_patterns_are_not_expanded(string pattern)
    {
        _files.Write("a.yaml", "name: a\n");
        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(Path.Combine(_files.Root, pattern)));
        Assert.Equal("ConfigPathWildcard", error.ErrorId);
        Assert.Contains("Get-ChildItem", error.Remediation);
    }

    [Fact]
    public void A_file_whose_name_looks_like_a_pattern_is_read()
    {
        var path = _files.Write("[draft].yaml", "name: alpha\n");
        Assert.Equal("alpha", Read(ConfigDocument.Load(path, NoVariables)).RequiredString("name"));
    }

    [Fact]
    public void A_file_over_one_mebibyte_is_refused_without_being_parsed()
    {
        var path = _files.Write("big.yaml", "name: x\n# " + new string('x', 1024 * 1024) + "\n");
        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(path));
        Assert.Equal("ConfigFileTooLarge", error.ErrorId);
        Assert.Contains("1 MiB", error.Message);
    }

    [Fact]
    public void Utf16_and_invalid_utf8_are_refused_with_the_fix()
    {
        var utf16 = _files.WriteBytes("u16.yaml", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("name: a\n")).ToArray());
        Assert.Equal("ConfigFileEncoding", Assert.Throws<ConfigException>(() => ConfigDocument.Load(utf16)).ErrorId);
        var latin1 = _files.WriteBytes("latin1.yaml", new byte[] { (byte)'n', (byte)':', (byte)' ', 0xE9, (byte)'\n' });
        var error = Assert.Throws<ConfigException>(() => ConfigDocument.Load(latin1));
        Assert.Equal("ConfigFileEncoding", error.ErrorId);
        Assert.Contains("UTF-8", error.Remediation);
    }

    [Theory]
    [InlineData("600", 600)]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("01:30:00", 5400)]
    [InlineData("1-00:00:00", 86400)]
    public void Durations_parse_in_the_forms_operators_write(string text, int seconds)
    {
        var path = _files.Write("d.yaml", $"timeout: \"{text}\"\n");
        Assert.Equal(TimeSpan.FromSeconds(seconds), Read(ConfigDocument.Load(path, NoVariables)).OptionalDuration("timeout"));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0")]
    [InlineData("10:75:00")]
    public void Bad_durations_are_refused(string text)
    {
        var path = _files.Write("d.yaml", $"timeout: \"{text}\"\n");
        Assert.Equal("ConfigTypeMismatch", Assert.Throws<ConfigException>(() => Read(ConfigDocument.Load(path, NoVariables)).OptionalDuration("timeout")).ErrorId);
    }
}
