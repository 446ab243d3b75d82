using SwarmPS.Engine.Intents;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Intents;

public sealed class IntentFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("swarmps-intent-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static TaskSet Sweep() => TaskSet.Create(
        [
            new Dictionary<string, object?> { ["data"] = "a.csv", ["model"] = "small" },
            new Dictionary<string, object?> { ["data"] = "b.csv", ["model"] = "large" },
        ],
        [TaskAxis.Of("lr", [0.1, 0.01]), TaskAxis.Seeds(3)]);

    internal static CampaignIntent Compose(TaskSet tasks, string name, string directory, DateTimeOffset created, string? kind = "train", string[]? command = null, string generator = "New-SwarmTaskSet") =>
        IntentComposer.Compose(tasks, new IntentRequest
        {
            Name = name,
            Goal = $"goal of {name}",
            TaskKind = kind,
            Generator = generator,
            Command = command ?? ["python3", "train.py"],
            Budget = ["500 core-hours", "12 wall-hours"],
            AbortWhen = ["loss is NaN"],
            Site = "alpha",
            Notes = "first try",
        }, directory, created);

    [Fact]
    public void A_saved_intent_reads_back_as_written()
    {
        var created = new DateTimeOffset(2026, 12, 1, 8, 30, 0, 123, TimeSpan.Zero);
        var path = IntentFile.PathIn(_dir, "lr-sweep");
        var saved = IntentFile.Write(path, Compose(Sweep(), "lr-sweep", _dir, created), force: false);
        var read = IntentFile.Read(path);

        Assert.Equal(Path.Combine(_dir, "lr-sweep.intent.json"), read.Path);
        Assert.Equal((1, "lr-sweep", "goal of lr-sweep", "train", 12L), (read.SchemaVersion, read.Name, read.Goal, read.TaskKind, read.TaskCount));
        Assert.Equal(Sweep().Fingerprint, read.TaskSetFingerprint);
        Assert.Equal(["python3", "train.py"], read.Command);
        Assert.Equal([new IntentBudget(500, "core-hours"), new IntentBudget(12, "wall-hours")], read.Budget);
        Assert.Equal(["loss is NaN"], read.AbortWhen);
        Assert.Equal(("alpha", "first try"), (read.Site, read.Notes));
        Assert.Equal(created, read.Provenance.CreatedUtc);
        Assert.Equal(Environment.UserName, read.Provenance.User);
        Assert.StartsWith("0.1.0", read.Provenance.SwarmPSVersion);
        Assert.Equal(["data", "model"], read.Generator.Columns);
        Assert.Equal(["lr", "seed"], read.Generator.Axes.Select(a => a.Name));
        Assert.Equal(["0", "1", "2"], read.Generator.Axes[1].Values);
        Assert.Equal("list × product", read.Generator.Shape);
        Assert.Equal(IntentFile.Render(saved), File.ReadAllText(path));
        Assert.EndsWith("}\n", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(IntentFile.FileMode, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void An_existing_intent_is_kept_unless_forced()
    {
        var path = IntentFile.PathIn(_dir, "x");
        IntentFile.Write(path, Compose(Sweep(), "x", _dir, DateTimeOffset.UtcNow), force: false);
        var before = File.ReadAllText(path);
        var error = Assert.Throws<SwarmException>(() => IntentFile.Write(path, Compose(Sweep(), "x", _dir, DateTimeOffset.UtcNow, kind: "eval"), force: false));
        Assert.Equal("IntentExists", error.ErrorId);
        Assert.Equal(before, File.ReadAllText(path));

        IntentFile.Write(path, Compose(Sweep(), "x", _dir, DateTimeOffset.UtcNow, kind: "eval"), force: true);
        Assert.Equal("eval", IntentFile.Read(path).TaskKind);
        Assert.Single(Directory.GetFiles(_dir));   // no temporary left behind
    }

    [Fact]
    public void The_command_is_scrubbed_as_the_ledger_scrubs_it()
    {
        var intent = Compose(Sweep(), "s", _dir, DateTimeOffset.UtcNow, command: ["python3", Path.Combine(_dir, "train.py"), "--api-key=abc123", "/data/set.csv"]);
        Assert.Equal(["python3", "./train.py", "--api-key=<redacted>", "<path>/set.csv"], intent.Command);
    }

    [Theory]
    [InlineData("lr sweep")]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("")]
    public void Bad_names_are_refused(string name)
    {
        var error = Assert.Throws<SwarmException>(() => Compose(Sweep(), name, _dir, DateTimeOffset.UtcNow));
        Assert.Equal("IntentNameInvalid", error.ErrorId);
    }

    [Theory]
    [InlineData("500")]
    [InlineData("-5 core-hours")]
    [InlineData("5 fortnights")]
    [InlineData("NaN gpu-hours")]
    public void Bad_budgets_are_refused(string budget)
    {
        var error = Assert.Throws<SwarmException>(() => IntentBudget.Parse(budget));
        Assert.Equal("IntentBudgetInvalid", error.ErrorId);
        Assert.Contains("core-hours", error.Message);
    }

    [Fact]
    public void Budgets_parse_with_or_without_a_space()
    {
        Assert.Equal(new IntentBudget(2.5, "gpu-hours"), IntentBudget.Parse("2.5gpu-hours"));
        Assert.Equal(new IntentBudget(100, "node-hours"), IntentBudget.Parse(" 100 Node-Hours "));
    }
}
