using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>The key rule of docs/ledger.md, "Redaction", case by case (the table there is this table).</summary>
public sealed class RedactionRuleTests
{
    [Theory]
    [InlineData("secret_value", true)]
    [InlineData("token_value", true)]
    [InlineData("api_key_2", true)]
    [InlineData("authorization", true)]
    [InlineData("Authorization", true)]
    [InlineData("bearer", true)]
    [InlineData("cookie", true)]
    [InlineData("private_key_pem", true)]
    [InlineData("pwd", true)]
    [InlineData("signature", true)]
    [InlineData("hf_token", true)]
    [InlineData("HF_TOKEN", true)]
    [InlineData("apiKey", true)]
    [InlineData("APIKey", true)]
    [InlineData("apikey", true)]
    [InlineData("db.password", true)]
    [InlineData("aws_secret_access_key", true)]
    [InlineData("client-secret", true)]
    [InlineData("basic_auth", true)]
    [InlineData("ssh_key_file", true)]
    [InlineData("tokenizer", false)]
    [InlineData("tokenizer_name", false)]
    [InlineData("max_tokens", false)]
    [InlineData("num_tokens", false)]
    [InlineData("password_length", false)]
    [InlineData("token_count", false)]
    [InlineData("keyboard", false)]
    [InlineData("monkey", false)]
    [InlineData("key", false)]
    [InlineData("author", false)]
    [InlineData("n_passes", false)]
    [InlineData("pin_memory", false)]
    [InlineData("lr", false)]
    public void Key_is_secret_by_its_words(string key, bool secret) =>
        Assert.Equal(secret, RedactionRule.Default.IsSecretKey(key));

    [Theory]
    [InlineData("token", true)]
    [InlineData("access_token", true)]
    [InlineData("X-Amz-Signature", true)]
    [InlineData("X-Amz-Credential", true)]
    [InlineData("X-Amz-Security-Token", true)]
    [InlineData("sig", true)]
    [InlineData("key", true)]
    [InlineData("api_key", true)]
    [InlineData("password", true)]
    [InlineData("X-Amz-Expires", false)]
    [InlineData("page", false)]
    [InlineData("keyword", false)]
    public void Query_parameter_is_secret_by_its_words(string name, bool secret) =>
        Assert.Equal(secret, RedactionRule.Default.IsSecretParameter(name));

    [Theory]
    [InlineData("privateKeyPEM", "private key pem")]
    [InlineData("APIKey2", "api key 2")]
    [InlineData("X-Amz-Signature", "x amz signature")]
    [InlineData("api_key_2", "api key 2")]
    [InlineData("HF_TOKEN", "hf token")]
    [InlineData("tokenizer", "tokenizer")]
    [InlineData("--", "")]
    public void Names_split_into_lowercase_words(string name, string words) =>
        Assert.Equal(words, string.Join(' ', RedactionRule.Words(name)));

    [Fact]
    public void A_repository_adds_its_own_patterns_in_redact_txt()
    {
        using var repo = new TemporaryRepository(git: false);
        Assert.False(RedactionRule.ForRepository(repo.Repository).IsSecretKey("WANDB_KEY"));

        repo.Write(RedactionRule.RepositoryFile, "# keys this lab uses\nwandb_key\n  Session ID   # a comment after a pattern\n\n---\n");
        var rule = RedactionRule.ForRepository(repo.Repository);

        Assert.True(rule.IsSecretKey("WANDB_KEY"));
        Assert.True(rule.IsSecretKey("wandbKey"));
        Assert.True(rule.IsSecretKey("session_id"));
        Assert.False(rule.IsSecretKey("wandb_project"));
        Assert.False(rule.IsSecretKey("session"));
        Assert.True(rule.IsSecretKey("hf_token")); // the defaults stay
    }

    [Fact]
    public void A_redact_txt_that_is_a_link_or_too_long_is_refused_with_its_error_id()
    {
        using var repo = new TemporaryRepository(git: false);
        Directory.CreateDirectory(Path.Combine(repo.Root, ".swarm"));
        var path = Path.Combine(repo.Root, RedactionRule.RepositoryFile);
        File.CreateSymbolicLink(path, "/dev/zero");
        var linked = Assert.Throws<SwarmException>(() => RedactionRule.ForRepository(repo.Repository));
        Assert.Equal("RedactionFileInvalid", linked.ErrorId);
        Assert.Contains("symbolic link", linked.Message);

        File.Delete(path);
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("a_secret_word\n", 6000)));
        Assert.Equal("RedactionFileInvalid", Assert.Throws<SwarmException>(() => RedactionRule.ForRepository(repo.Repository)).ErrorId);

        File.WriteAllText(path, string.Concat(Enumerable.Range(0, 1001).Select(i => $"k{i}\n")));
        Assert.Equal("RedactionFileInvalid", Assert.Throws<SwarmException>(() => RedactionRule.ForRepository(repo.Repository)).ErrorId);
    }

    [Fact]
    public void Git_commits_redact_txt_and_still_ignores_the_rest_of_swarm()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        repo.Write(RedactionRule.RepositoryFile, "wandb_key\n");

        var status = repo.Git("status", "--porcelain", "--untracked-files=all");

        Assert.Contains(".swarm/redact.txt", status);
        Assert.DoesNotContain("runs.db", status);
        Assert.DoesNotContain("machine.json", status);
    }
}
