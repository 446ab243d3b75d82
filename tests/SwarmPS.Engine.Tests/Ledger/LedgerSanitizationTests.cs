using System.Text.Json;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>What the ledger entry shows for each statepoint value (docs/ledger.md, "Redaction").</summary>
public sealed class LedgerSanitizationTests
{
    private const string Root = "/srv/experiments/repo";

    [Theory]
    [InlineData("secret_value", "\"s3cr3t\"", "<redacted>")]
    [InlineData("token_value", "\"abc\"", "<redacted>")]
    [InlineData("api_key_2", "\"abc\"", "<redacted>")]
    [InlineData("authorization", "\"Basic dTpw\"", "<redacted>")]
    [InlineData("bearer", "\"eyJhbGciOi\"", "<redacted>")]
    [InlineData("cookie", "\"session=abc\"", "<redacted>")]
    [InlineData("private_key_pem", "\"-----BEGIN PRIVATE KEY-----\"", "<redacted>")]
    [InlineData("pwd", "\"hunter2\"", "<redacted>")]
    [InlineData("signature", "\"deadbeef\"", "<redacted>")]
    [InlineData("pin_memory", "true", "true")]
    [InlineData("password", "1234", "<redacted>")]
    [InlineData("password_length", "12", "12")]
    [InlineData("tokenizer", "\"bert-base\"", "bert-base")]
    [InlineData("max_tokens", "512", "512")]
    [InlineData("db", "\"postgres://u:PW@db:5432/runs\"", "postgres://<redacted>@db:5432/runs")]
    [InlineData("cache", "\"redis://:PW@cache:6379/0\"", "redis://<redacted>@cache:6379/0")]
    [InlineData("mirror", "\"https://bob:pw@mirror.example.org/data\"", "https://<redacted>@mirror.example.org/data")]
    [InlineData("raw_at", "\"amqp://u:p@ss@broker/vhost\"", "amqp://<redacted>@broker/vhost")]
    [InlineData("note", "\"copy from s3://AKIA:KEY@bucket/x then train\"", "copy from s3://<redacted>@bucket/x then train")]
    [InlineData("data", "\"https://example.org/f.csv?token=abc&page=2\"", "https://example.org/f.csv?token=<redacted>&page=2")]
    [InlineData("presigned", "\"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Expires=60&X-Amz-Signature=deadbeef\"", "https://b.s3.amazonaws.com/k?X-Amz-Credential=<redacted>&X-Amz-Expires=60&X-Amz-Signature=<redacted>")]
    [InlineData("sas", "\"https://acct.blob.core.windows.net/c/b?sv=2022&sig=abc%3D\"", "https://acct.blob.core.windows.net/c/b?sv=2022&sig=<redacted>")]
    [InlineData("ftp", "\"ftp://files.example.org/a?key=AIza\"", "ftp://files.example.org/a?key=<redacted>")]
    [InlineData("arg", "\"--api-key=abc\"", "--api-key=<redacted>")]
    [InlineData("env", "\"HF_TOKEN=hf_abc\"", "HF_TOKEN=<redacted>")]
    [InlineData("plain", "\"lr=0.1\"", "lr=0.1")]
    [InlineData("already", "\"<redacted>\"", "<redacted>")]
    [InlineData("data_path", "\"/srv/experiments/repo/data/train.csv\"", "./data/train.csv")]
    [InlineData("scratch", "\"/scratch/u/imagenet\"", "<path>/imagenet")]
    public void Statepoint_value_is_shown_as(string key, string json, string shown)
    {
        var statepoint = JsonDocument.Parse(Project($"{{\"{key}\":{json}}}")).RootElement;
        var value = statepoint.GetProperty(key);
        Assert.Equal(shown, value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
    }

    [Fact]
    public void A_command_list_loses_the_value_after_a_secret_option_and_nothing_else()
    {
        var statepoint = JsonDocument.Parse(Project("""{"command":["python","train.py","--token","abc","--lr","0.1","-p","x","--password","--verbose"]}""")).RootElement;
        Assert.Equal(
            ["python", "train.py", "--token", "<redacted>", "--lr", "0.1", "-p", "x", "--password", "--verbose"],
            statepoint.GetProperty("command").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Fact]
    public void Nested_maps_are_scrubbed_by_their_own_keys()
    {
        var statepoint = JsonDocument.Parse(Project("""{"auth":{"user":"u","password":"p"},"secrets":["a","b"]}""")).RootElement;
        Assert.Equal("u", statepoint.GetProperty("auth").GetProperty("user").GetString());
        Assert.Equal("<redacted>", statepoint.GetProperty("auth").GetProperty("password").GetString());
        Assert.All(statepoint.GetProperty("secrets").EnumerateArray(), e => Assert.Equal("<redacted>", e.GetString()));
    }

    [Fact]
    public void A_repository_pattern_redacts_its_key()
    {
        var rule = RedactionRule.Default.With(["wandb_key"]);
        var statepoint = JsonDocument.Parse(Project("""{"WANDB_KEY":"abc","wandb_project":"p"}""", rule)).RootElement;
        Assert.Equal("<redacted>", statepoint.GetProperty("WANDB_KEY").GetString());
        Assert.Equal("p", statepoint.GetProperty("wandb_project").GetString());
    }

    [Fact]
    public void Sanitizing_twice_changes_nothing()
    {
        var once = Project("""{"db":"postgres://u:PW@db/x","cmd":["--token","t"],"q":"https://h/?sig=1","p":"/abs/x","pwd":"x"}""");
        Assert.Equal(once, Project(once));
    }

    private static string Project(string statepoint, RedactionRule? rule = null)
    {
        var run = new LedgerRun
        {
            Id = LedgerRunId.FromCanonical(statepoint),
            Statepoint = statepoint,
            Status = RunStatus.Complete,
            Machine = "m",
            CreatedAt = DateTimeOffset.UnixEpoch,
        };
        return CanonicalJson.Serialize(LedgerProjection.Project(run, Root, rule)["statepoint"]);
    }
}
