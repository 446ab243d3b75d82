using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>Test-SwarmLedger: a hand-edited entry that breaks the sanitizer's rules is a finding, and says where, not what.</summary>
public sealed class LedgerValidatorTests
{
    [Fact]
    public void A_clean_ledger_has_no_findings()
    {
        using var repo = new TemporaryRepository(git: false);
        Promote(repo, new Dictionary<string, object?> { ["db"] = "postgres://u:PW@db/x", ["token"] = "t", ["data"] = Path.Combine(repo.Root, "data.csv"), ["cmd"] = new[] { "--api-key", "k" } });

        Assert.Empty(LedgerValidator.Validate(repo.Repository));
    }

    [Theory]
    [InlineData("statepoint.data", "\"/home/alice/data/train.csv\"", "an absolute path")]
    [InlineData("statepoint.hf_token", "\"hf_abcdef\"", "a value under a secret-looking key")]
    [InlineData("statepoint.nested.password", "{\"password\":\"hunter2\"}", "a value under a secret-looking key")]
    [InlineData("statepoint.db", "\"postgres://u:hunter2@db/x\"", "credentials in a URL")]
    [InlineData("statepoint.url", "\"https://h/x?X-Amz-Signature=hunter2\"", "a secret query parameter")]
    [InlineData("statepoint.cmd[1]", "[\"--token\",\"hunter2\"]", "the value of a secret-looking option")]
    [InlineData("statepoint.env", "\"HF_TOKEN=hunter2\"", "the value of a secret-looking option")]
    public void A_hand_edited_entry_is_LedgerEntryUnsanitized_naming_the_field(string field, string json, string reason)
    {
        using var repo = new TemporaryRepository(git: false);
        var id = Promote(repo, new Dictionary<string, object?> { ["lr"] = 0.1 });
        var key = field.Split('.', '[')[1];
        Edit(repo, id, entry => entry["statepoint"]![key] = JsonNode.Parse(json));

        var finding = Assert.Single(LedgerValidator.Validate(repo.Repository));

        Assert.Equal(LedgerSanitizerCheck.UnsanitizedCode, finding.Code);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Equal(id, finding.CitedId);
        Assert.Equal($".swarm/ledger/{id}.json", finding.File);
        Assert.StartsWith($"{field} holds {reason}", finding.Message);
        Assert.DoesNotContain("hunter2", finding.Message);
        Assert.DoesNotContain("alice", finding.Message);
    }

    [Fact]
    public void A_tracker_url_with_a_token_and_a_repository_pattern_are_checked_too()
    {
        using var repo = new TemporaryRepository(git: false);
        var id = Promote(repo, new Dictionary<string, object?> { ["wandb_key"] = "k" });
        Edit(repo, id, entry => entry["tracker"] = new JsonObject { ["backend"] = "mlflow", ["url"] = "https://mlflow.example.org/?token=x" });
        Assert.Equal(["tracker.url"], LedgerValidator.Validate(repo.Repository).Select(f => f.Message.Split(' ')[0]));

        repo.Write(RedactionRule.RepositoryFile, "wandb_key\n");
        Assert.Equal(["statepoint.wandb_key", "tracker.url"], LedgerValidator.Validate(repo.Repository).Select(f => f.Message.Split(' ')[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Invalid_files_are_reported_with_the_parsers_finding()
    {
        using var repo = new TemporaryRepository(git: false);
        Promote(repo, new Dictionary<string, object?> { ["lr"] = 0.1 });
        File.WriteAllText(Path.Combine(repo.Repository.LedgerDirectory, new string('a', 32) + ".json"), "{not json");
        File.CreateSymbolicLink(Path.Combine(repo.Repository.LedgerDirectory, new string('b', 32) + ".json"), "/dev/zero");

        var findings = LedgerValidator.Validate(repo.Repository);

        Assert.Equal([new string('a', 32), new string('b', 32)], findings.Select(f => f.CitedId));
        Assert.All(findings, f => Assert.Equal(LedgerEntryParser.InvalidCode, f.Code));
    }

    private static string Promote(TemporaryRepository repo, Dictionary<string, object?> statepoint)
    {
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        using var store = RunStore.Open(repo.Root, new RunStoreOptions { CaptureCodeVersion = false });
        var run = store.CreateRun(statepoint);
        Assert.True(store.SetStatus(run.Id, RunStatus.Complete).Promotion!.Promoted);
        return run.Id;
    }

    /// <summary>Edits an entry as a person would, keeping it canonical so only the sanitizer rules can object.</summary>
    private static void Edit(TemporaryRepository repo, string id, Action<JsonObject> edit)
    {
        var path = repo.Repository.LedgerEntryPath(id);
        var entry = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(entry);
        using var document = JsonDocument.Parse(entry.ToJsonString());
        File.WriteAllText(path, CanonicalJson.SerializeIndented(document.RootElement));
    }
}
