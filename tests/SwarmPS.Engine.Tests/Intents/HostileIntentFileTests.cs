using SwarmPS.Engine.Intents;

namespace SwarmPS.Engine.Tests.Intents;

public sealed class HostileIntentFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("swarmps-intent-").FullName;
    private readonly string _good;

    public HostileIntentFileTests()
    {
        var path = IntentFile.PathIn(_dir, "good");
        IntentFile.Write(path, IntentFileTests.Compose(IntentFileTests.Sweep(), "good", _dir, DateTimeOffset.UtcNow), force: false);
        _good = File.ReadAllText(path);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SwarmException Refused(string text)
    {
        var path = Path.Combine(_dir, "bad.intent.json");
        File.WriteAllText(path, text);
        return Assert.Throws<SwarmException>(() => IntentFile.Read(path));
    }

    public static TheoryData<string, string, string> Edits => new()
    {
        { "not json", "@@", "not strict JSON" },
        { "comment", "// hi\n@@", "not strict JSON" },
        { "trailing comma", "@@|}\n|,}\n", "not strict JSON" },
        { "duplicate key", "@@|\"goal\": |\"goal\": \"x\", \"goal\": ", "given twice" },
        { "unknown key", "@@|\"goal\": |\"owner\": \"root\", \"goal\": ", "'owner'" },
        { "wrong type", "@@|\"task_count\": 12|\"task_count\": \"12\"", "task_count is a string" },
        { "task count edited", "@@|\"task_count\": 12|\"task_count\": 13", "the generator makes 12 tasks" },
        { "axis value edited", "@@|\"0.01\"|\"0.02\"", "fingerprint" },
        { "missing goal", "@@|\"goal\": \"goal of good\",|", "goal is missing" },
        { "bad time", "@@|Z\"|\"", "created_utc" },
        { "not an object", "[1, 2]", "not an object" },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void A_broken_file_is_IntentInvalid_naming_the_problem(string what, string edit, string expected)
    {
        var text = edit.StartsWith("@@", StringComparison.Ordinal) ? Apply(_good, edit) : edit;
        if (edit == "// hi\n@@")
        {
            text = "// hi\n" + _good;
        }

        var error = Refused(text);
        Assert.True(error.ErrorId == "IntentInvalid", $"{what}: {error.ErrorId} {error.Message}");
        Assert.Contains(expected, error.Message);
        Assert.Contains("bad.intent.json", error.Message);
    }

    [Fact]
    public void An_unknown_schema_version_is_refused_by_name()
    {
        var error = Refused(_good.Replace("\"schema_version\": 1", "\"schema_version\": 2"));
        Assert.Equal("IntentSchemaUnsupported", error.ErrorId);
        Assert.Contains("schema_version 2", error.Message);
    }

    [Fact]
    public void A_file_over_the_limit_is_not_read()
    {
        var error = Refused(_good.Replace("\"notes\": \"first try\"", $"\"notes\": \"{new string('x', IntentFile.MaxBytes)}\""));
        Assert.Equal("IntentInvalid", error.ErrorId);
        Assert.Contains("larger than", error.Message);
    }

    [Fact]
    public void A_link_is_not_followed()
    {
        var link = Path.Combine(_dir, "link.intent.json");
        File.CreateSymbolicLink(link, Path.Combine(_dir, "good.intent.json"));
        var error = Assert.Throws<SwarmException>(() => IntentFile.Read(link));
        Assert.Equal("IntentInvalid", error.ErrorId);
        Assert.Contains("symbolic link", error.Message);
    }

    [Fact]
    public void A_missing_file_is_IntentNotFound()
    {
        Assert.Equal("IntentNotFound", Assert.Throws<SwarmException>(() => IntentFile.Read(Path.Combine(_dir, "none.intent.json"))).ErrorId);
    }

    // "@@|old|new": the good file with the first 'old' replaced by 'new'.
    private static string Apply(string good, string edit)
    {
        var parts = edit.Split('|');
        if (parts.Length == 1)
        {
            return "@@ not json";
        }

        var at = good.IndexOf(parts[1], StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{parts[1]}' is in the file");
        return good[..at] + parts[2] + good[(at + parts[1].Length)..];
    }
}
