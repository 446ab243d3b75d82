using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>Where the token may come from, and that errors about it never contain it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ExchangeTokenTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-token-").FullName;

    [Fact]
    public void A_token_file_readable_by_others_is_refused_with_the_chmod_fix()
    {
        var file = Path.Combine(_directory, "token");
        File.WriteAllText(file, "file-secret-value\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var error = Assert.Throws<SwarmException>(() => ExchangeToken.ReadFile(file));

        Assert.Equal("ExchangeTokenFileExposed", error.ErrorId);
        Assert.Contains("chmod 600", error.Remediation);
        Assert.DoesNotContain("file-secret-value", error.ToString());
    }

    [Fact]
    public void An_owner_only_token_file_is_read_and_trimmed()
    {
        var file = Path.Combine(_directory, "token");
        File.WriteAllText(file, "file-secret-value\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal("file-secret-value", ExchangeToken.Resolve(null, file));
    }

    [Fact]
    public void An_unset_token_variable_is_named_in_the_error()
    {
        var error = Assert.Throws<SwarmException>(() => ExchangeToken.Resolve("SWARM_TEST_TOKEN_THAT_IS_NOT_SET", null));

        Assert.Equal("ExchangeTokenMissing", error.ErrorId);
        Assert.Contains("SWARM_TEST_TOKEN_THAT_IS_NOT_SET", error.Message);
    }

    [Theory]
    [InlineData("ftp://host/")]
    [InlineData("not a url")]
    [InlineData("http://user:secret@host:8080/")]
    public void Connection_urls_that_are_not_plain_http_are_refused(string url)
    {
        var error = Assert.Throws<SwarmException>(() => ExchangeConnection.ParseUrl(url));

        Assert.Equal("ExchangeUrlInvalid", error.ErrorId);
    }

    [Fact]
    public void A_connection_prints_its_url_but_never_its_token()
    {
        var connection = new ExchangeConnection(ExchangeConnection.ParseUrl("http://127.0.0.1:8471"), "printed-never");

        Assert.Equal("http://127.0.0.1:8471/", connection.ToString());
        Assert.Equal("http://127.0.0.1:8471/", connection.Url.ToString());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
