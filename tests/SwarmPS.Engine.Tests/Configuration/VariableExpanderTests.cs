using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Tests.Configuration;

public sealed class VariableExpanderTests
{
    private static readonly SourceLocation Here = new("site.yaml", 3, 7);

    private static string Expand(string text, params (string Name, string Value)[] environment)
    {
        var values = environment.ToDictionary(pair => pair.Name, pair => pair.Value);
        return new VariableExpander(name => values.GetValueOrDefault(name)).Expand(text, Here);
    }

    [Theory]
    [InlineData("${USER}", "alice")]
    [InlineData("/home/${USER}/runs", "/home/alice/runs")]
    [InlineData("${MISSING:-fallback}", "fallback")]
    [InlineData("${EMPTY:-fallback}", "fallback")]
    [InlineData("${ALCF_SSH_USER:-${USER}}", "alice")]
    [InlineData("${ALCF_SSH_USER:-${MISSING:-deep}}", "deep")]
    [InlineData("$${USER} stays literal", "${USER} stays literal")]
    [InlineData("$HOME and $ alone pass through", "$HOME and $ alone pass through")]
    [InlineData("${MISSING:-}", "")]
    public void Expands_like_a_posix_shell(string text, string expected)
    {
        Assert.Equal(expected, Expand(text, ("USER", "alice"), ("EMPTY", "")));
    }

    [Fact]
    public void A_set_variable_wins_over_its_default_even_when_the_default_could_not_expand()
    {
        Assert.Equal("bob", Expand("${ALCF_SSH_USER:-${ALCF_USER}}", ("ALCF_SSH_USER", "bob")));
    }

    [Fact]
    public void An_unset_variable_without_default_names_the_variable_and_the_fix()
    {
        var error = Assert.Throws<ConfigException>(() => Expand("${ALCF_USER}"));
        Assert.Equal("ConfigVariableUnset", error.ErrorId);
        Assert.Contains("'ALCF_USER'", error.Message);
        Assert.StartsWith("site.yaml:3:7:", error.Message);
        Assert.Contains("${ALCF_USER:-value}", error.Remediation);
    }

    [Theory]
    [InlineData("${USER")]
    [InlineData("${}")]
    [InlineData("${9LIVES}")]
    [InlineData("${A:-${B}")]
    public void A_malformed_reference_is_refused(string text)
    {
        var error = Assert.Throws<ConfigException>(() => Expand(text, ("USER", "alice"), ("A", "a"), ("B", "b")));
        Assert.Equal("ConfigVariableInvalid", error.ErrorId);
    }
}
