using System.Text;
using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Tests.Configuration;

/// <summary>
/// Files written to take a session down end in a clear error with file:line:column, before anything grows.
/// The same attacks run through the cmdlets in real pwsh in tests/pester/HostileInput.Tests.ps1, where the
/// process is watched for survival and memory.
/// </summary>
public sealed class HostileYamlTests : IDisposable
{
    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander NoVariables = new(_ => null);

    public void Dispose() => _files.Dispose();

    /// <summary>The 511-byte "billion laughs": nine levels of aliases, each nine times the one before.</summary>
    public static string BillionLaughs()
    {
        var text = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            text.Append($"{level}: &{level} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n");
        }

        return text.ToString();
    }

    private ConfigException Refused(string name, string text) =>
        Assert.Throws<ConfigException>(() => ConfigDocument.Load(_files.Write(name, text), NoVariables));

    [Fact]
    public void A_billion_laughs_is_refused_at_its_first_alias()
    {
        var error = Refused("laughs.yaml", BillionLaughs());
        Assert.Equal("ConfigAliasNotAllowed", error.ErrorId);
        Assert.Equal(2, error.Location.Line);
        Assert.Contains("'*a'", error.Message);
    }

    [Fact]
    public void A_single_alias_is_refused_too_with_the_fix()
    {
        var error = Refused("alias.yaml", "base: &b {x: 1}\nother: *b\n");
        Assert.Equal("ConfigAliasNotAllowed", error.ErrorId);
        Assert.Equal(new SourceLocation(error.Location.File, 2, 8), error.Location);
        Assert.Contains("in full", error.Remediation);
    }

    [Theory]
    [InlineData("flow lists", 20_000)]
    [InlineData("flow mappings", 20_000)]
    [InlineData("block mappings", 200)]
    public void Deep_nesting_is_refused_before_anything_recurses(string shape, int depth)
    {
        var text = shape switch
        {
            "flow lists" => "a: " + new string('[', depth) + new string(']', depth) + "\n",
            "flow mappings" => "a: " + string.Concat(Enumerable.Repeat("{k: ", depth)) + "1" + new string('}', depth) + "\n",
            _ => string.Concat(Enumerable.Range(0, depth).Select(level => new string(' ', level) + "k:\n")) + new string(' ', depth) + "v\n",
        };

        var error = Refused("deep.yaml", text);
        Assert.Equal("ConfigTooDeep", error.ErrorId);
        Assert.Contains($"more than {YamlTreeParser.MaxDepth} deep", error.Message);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_read()
    {
        var depth = YamlTreeParser.MaxDepth - 1;
        var document = ConfigDocument.Load(_files.Write("ok.yaml", "a: " + new string('[', depth) + new string(']', depth) + "\n"), NoVariables);
        Assert.NotNull(document);
    }

    [Fact]
    public void Too_many_values_are_refused()
    {
        var text = "a: [" + string.Join(",", Enumerable.Repeat("1", YamlTreeParser.MaxNodes + 1)) + "]\n";
        var error = Refused("many.yaml", text);
        Assert.Equal("ConfigTooManyNodes", error.ErrorId);
    }

    [Fact]
    public void A_value_longer_than_the_limit_is_refused_where_it_starts()
    {
        var error = Refused("long.yaml", "name: x\nuser_task: " + new string('y', YamlTreeParser.MaxValueLength + 1) + "\n");
        Assert.Equal("ConfigValueTooLong", error.ErrorId);
        Assert.Equal(2, error.Location.Line);
    }

    [Fact]
    public void A_duplicate_key_names_both_lines()
    {
        var error = Refused("dup.yaml", "name: a\ncount: 1\nname: b\n");
        Assert.Equal("ConfigDuplicateKey", error.ErrorId);
        Assert.Equal(3, error.Location.Line);
        Assert.Contains("first at line 1", error.Message);
    }

    [Fact]
    public void A_second_document_is_refused_at_its_marker()
    {
        var error = Refused("two.yaml", "name: a\n---\nname: b\n");
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.Equal(2, error.Location.Line);
    }

    [Fact]
    public void A_collection_as_a_key_is_refused()
    {
        var error = Refused("key.yaml", "? [a, b]\n: value\n");
        Assert.Equal("ConfigSyntax", error.ErrorId);
        Assert.Contains("plain text", error.Message);
    }

    [Fact]
    public void Anchors_without_aliases_keep_their_values()
    {
        var document = ConfigDocument.Load(_files.Write("anchor.yaml", "name: &n alpha\n"), NoVariables);
        Assert.Equal("alpha", document.RootReader("test file", "name").RequiredString("name"));
    }
}
