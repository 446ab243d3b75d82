using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Intents;

namespace SwarmPS.Engine.Tests.Intents;

public sealed class IntentSearchTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-intents-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Save(string relativeDirectory, string name, int day, string kind)
    {
        var dir = Path.Combine(_root, relativeDirectory);
        IntentFile.Write(IntentFile.PathIn(dir, name), IntentFileTests.Compose(IntentFileTests.Sweep(), name, dir, T0.AddDays(day), kind), false);
    }

    [Fact]
    public void Finds_intents_most_recent_first_and_skips_broken_ones_with_a_reason()
    {
        Save("a", "old", 1, "train");
        Save("b/c", "newest", 3, "eval");
        Save("b", "middle", 2, "train");
        File.WriteAllText(Path.Combine(_root, "a", "broken.intent.json"), "{ not json");
        File.WriteAllText(Path.Combine(_root, "a", "notes.json"), "{}");           // not an intent file name

        var found = IntentSearch.Find([_root]);
        Assert.Equal(["newest", "middle", "old"], found.Intents.Select(i => i.Name));
        var skipped = Assert.Single(found.Skipped);
        Assert.Equal("IntentInvalid", skipped.ErrorId);
        Assert.Contains("broken.intent.json", skipped.Message);

        Assert.Equal(["middle", "old"], IntentSearch.Find([_root], taskKind: "TRAIN").Intents.Select(i => i.Name));
        Assert.Equal(["middle"], IntentSearch.Find([_root], namePattern: "mid*").Intents.Select(i => i.Name));
        // The same file under two roots is one intent.
        Assert.Equal(3, IntentSearch.Find([_root, Path.Combine(_root, "b")]).Intents.Count);
    }

    [Fact]
    public void The_walk_follows_no_link_enters_no_dot_directory_and_stops_at_the_depth_limit()
    {
        Save(".git", "hidden", 1, "train");
        Save(string.Join('/', Enumerable.Range(1, IntentSearch.MaxDepth + 1).Select(i => $"d{i}")), "too-deep", 1, "train");
        Save(string.Join('/', Enumerable.Range(1, IntentSearch.MaxDepth).Select(i => $"d{i}")), "deepest", 1, "train");
        Directory.CreateSymbolicLink(Path.Combine(_root, "d1", "loop"), _root);

        var found = IntentSearch.Find([_root]);
        Assert.Equal(["deepest"], found.Intents.Select(i => i.Name));
        Assert.Empty(found.Skipped);
    }

    [Fact]
    public void A_missing_root_is_named()
    {
        var error = Assert.Throws<SwarmException>(() => IntentSearch.Find([Path.Combine(_root, "nope")]));
        Assert.Equal("IntentRootNotFound", error.ErrorId);
        Assert.Contains("nope", error.Message);
    }

    [Fact]
    public void Config_yaml_gives_the_default_roots_strictly()
    {
        var config = Path.Combine(_root, "config.yaml");
        Assert.Empty(UserConfig.Load(config).IntentRoots);   // no file, no settings

        File.WriteAllText(config, $"intent_roots:\n  - {_root}/a\n  - ~/campaigns\n");
        var home = Environment.GetEnvironmentVariable("HOME")!;
        Assert.Equal([$"{_root}/a", Path.Join(home, "/campaigns")], UserConfig.Load(config).IntentRoots);

        File.WriteAllText(config, "intent_root:\n  - /x\n");
        var unknown = Assert.Throws<ConfigException>(() => UserConfig.Load(config));
        Assert.Equal("ConfigUnknownKey", unknown.ErrorId);
        Assert.Contains("intent_roots", unknown.Message + unknown.Remediation);

        File.WriteAllText(config, "intent_roots:\n  - relative/dir\n");
        Assert.Equal("ConfigIntentRootRelative", Assert.Throws<ConfigException>(() => UserConfig.Load(config)).ErrorId);

        File.WriteAllText(config, "intent_roots: /x\n");
        Assert.Equal("ConfigTypeMismatch", Assert.Throws<ConfigException>(() => UserConfig.Load(config)).ErrorId);
    }
}
