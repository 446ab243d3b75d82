using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// The per-site settings file every role reads at start: what Write puts there Read gives back whole, and
/// anything else at the path (nothing, a directory, a FIFO, a link, a huge file, not JSON, unknown fields,
/// another schema, a missing or null field) is TrainingSettingsInvalid naming the path, never a hang or a
/// NullReferenceException later. The plan it points at must still have the digest the run started under.
/// </summary>
public sealed class LiveTrainingSettingsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-live-settings-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string SettingsPath => Path.Combine(_root, LiveTrainingSettings.FileName);

    [Fact]
    public void Read_gives_back_every_field_Write_put_there()
    {
        var written = Settings();
        written.Write(SettingsPath);

        var read = LiveTrainingSettings.Read(SettingsPath);

        Assert.Equivalent(written, read, strict: true);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SettingsPath));
    }

    [Fact]
    public void A_site_without_a_coordinator_or_drills_round_trips_too()
    {
        var written = Settings() with { Coordinator = null, Drills = new Dictionary<string, string>() };
        written.Write(SettingsPath);

        var read = LiveTrainingSettings.Read(SettingsPath);

        Assert.Null(read.Coordinator);
        Assert.Empty(read.Drills);
        Assert.Equivalent(written, read, strict: true);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        AssertInvalid(SettingsPath);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        Directory.CreateDirectory(SettingsPath);
        AssertInvalid(SettingsPath);
    }

    [Fact]
    public void A_fifo_is_refused_without_waiting_for_a_writer()
    {
        using (var mkfifo = Process.Start("mkfifo", SettingsPath))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var read = Task.Run(() => AssertInvalid(SettingsPath));
        Assert.True(read.Wait(TimeSpan.FromSeconds(30)), "reading a FIFO hung");
        read.GetAwaiter().GetResult();
    }

    [Fact]
    public void A_symbolic_link_to_sound_settings_is_refused_not_followed()
    {
        var elsewhere = Path.Combine(_root, "elsewhere.json");
        Settings().Write(elsewhere);
        File.CreateSymbolicLink(SettingsPath, elsewhere);

        AssertInvalid(SettingsPath);
    }

    [Fact]
    public void A_file_over_256_KiB_is_refused_even_when_it_is_sound_JSON()
    {
        Settings().Write(SettingsPath);
        File.AppendAllText(SettingsPath, new string(' ', 256 * 1024));

        AssertInvalid(SettingsPath);
    }

    public static TheoryData<string, string> BadContents() => new()
    {
        { "empty", "" },
        { "not JSON", "run_id: ft-run-1\n" },
        { "truncated", "{\"schema_version\": 1, \"run_id\": \"ft" },
        { "null", "null" },
        { "an array", "[]" },
        { "a number", "1" },
        { "an empty object", "{}" },
        { "deeply nested", new string('[', 10_000) },
        { "binary", "\0\u0001\u00ff\ufffe" },
    };

    [Theory]
    [MemberData(nameof(BadContents))]
    public void Contents_that_are_not_a_settings_object_are_refused(string what, string text)
    {
        File.WriteAllText(SettingsPath, text);
        AssertInvalid(SettingsPath, what);
    }

    public static TheoryData<string, string, string> ChangedFields() => new()
    {
        { "unknown field", "\"run_id\":", "\"admission_token\": \"leaked\", \"run_id\":" },
        { "unknown coordinator field", "\"repository\":", "\"push_to\": \"origin\", \"repository\":" },
        { "run_id missing", "\"run_id\": \"ft-run-1\",", "" },
        { "coordinator's repository missing", "\"repository\": \"/srv/ledger\",", "" },
    };

    [Theory]
    [MemberData(nameof(ChangedFields))]
    public void A_settings_file_with_a_field_added_or_missing_is_refused(string what, string from, string to)
    {
        Settings().Write(SettingsPath);
        var text = File.ReadAllText(SettingsPath);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(SettingsPath, text.Replace(from, to, StringComparison.Ordinal));

        AssertInvalid(SettingsPath, what);
    }

    /// <summary>A field (a '/' path into the written file) and the JSON put in its place.</summary>
    public static TheoryData<string, string> ReplacedFields() => new()
    {
        { "schema_version", "2" },
        { "schema_version", "\"1\"" },
        { "run_id", "null" },
        { "site", "7" },
        { "plan_file", "null" },
        { "base_snapshot_path", "null" },
        { "data_directory", "null" },
        { "trainers", "null" },
        { "trainers", "[]" },
        { "trainers/dotnet.cpu", "null" },
        { "trainers/dotnet.cpu", "\"/usr/bin/dotnet\"" },
        { "trainers/dotnet.cpu/0", "null" },
        { "drills", "null" },
        { "drills/c1", "null" },
        { "coordinator", "[]" },
        { "coordinator/repository", "null" },
        { "coordinator/evidence_path", "null" },
        { "coordinator/replay_trainer", "null" },
        { "coordinator/replay_trainer/1", "null" },
    };

    [Theory]
    [MemberData(nameof(ReplacedFields))]
    public void A_settings_file_with_a_field_null_or_of_another_type_is_refused(string field, string json)
    {
        Settings().Write(SettingsPath);
        var root = JsonNode.Parse(File.ReadAllText(SettingsPath))!;
        var parts = field.Split('/');
        var parent = parts[..^1].Aggregate(root, (node, part) => node is JsonArray array ? array[int.Parse(part, CultureInfo.InvariantCulture)]! : node[part]!);
        var value = JsonNode.Parse(json);
        if (parent is JsonArray list)
        {
            list[int.Parse(parts[^1], CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            Assert.True(parent.AsObject().ContainsKey(parts[^1]), field);
            parent[parts[^1]] = value;
        }

        File.WriteAllText(SettingsPath, root.ToJsonString());

        AssertInvalid(SettingsPath, $"{field} = {json}");
    }

    [Fact]
    public void LoadPlan_reads_the_frozen_plan_with_this_machines_base_snapshot()
    {
        var settings = WithPlan(LivePlans.Sound());

        var plan = settings.LoadPlan();

        Assert.Equal(settings.PlanDigest, plan.Digest);
        Assert.Equal("/srv/base/base.safetensors", plan.BaseSnapshotPath);
        Assert.Equal(new[] { "c1", "c2" }, plan.Contributors.Select(c => c.Id));
    }

    [Fact]
    public void LoadPlan_refuses_a_plan_file_changed_since_the_run_started()
    {
        var settings = WithPlan(LivePlans.Sound());
        File.WriteAllBytes(settings.PlanFile, TrainingPlanJson.Serialize(LivePlans.Sound() with { Steps = 51 }));

        var error = Assert.Throws<SwarmException>(settings.LoadPlan);

        Assert.Equal("TrainingPlanDrift", error.ErrorId);
        Assert.Equal(settings.PlanFile, error.Target);
        Assert.Contains(settings.PlanDigest, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPlan_refuses_settings_that_name_another_digest()
    {
        var settings = WithPlan(LivePlans.Sound()) with { PlanDigest = "sha256:" + new string('e', 64) };

        Assert.Equal("TrainingPlanDrift", Assert.Throws<SwarmException>(settings.LoadPlan).ErrorId);
    }

    [Fact]
    public void LoadPlan_refuses_a_missing_plan_file_and_a_link_in_its_place()
    {
        var settings = WithPlan(LivePlans.Sound());
        var elsewhere = Path.Combine(_root, "elsewhere-plan.json");
        File.Move(settings.PlanFile, elsewhere);

        var missing = Assert.Throws<SwarmException>(settings.LoadPlan);
        Assert.Equal(("TrainingSettingsInvalid", (object?)settings.PlanFile), (missing.ErrorId, missing.Target));

        File.CreateSymbolicLink(settings.PlanFile, elsewhere);
        var linked = Assert.Throws<SwarmException>(settings.LoadPlan);
        Assert.Equal(("TrainingSettingsInvalid", (object?)settings.PlanFile), (linked.ErrorId, linked.Target));
    }

    private LiveTrainingSettings WithPlan(TrainingPlan plan)
    {
        var planFile = Path.Combine(_root, "plan.json");
        File.WriteAllBytes(planFile, TrainingPlanJson.Serialize(plan));
        return Settings() with { PlanFile = planFile, PlanDigest = plan.Digest };
    }

    private static void AssertInvalid(string path, string? what = null)
    {
        var error = Assert.Throws<SwarmException>(() => LiveTrainingSettings.Read(path));
        Assert.True(error.ErrorId == "TrainingSettingsInvalid", $"{what}: {error}");
        Assert.Equal(path, error.Target);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Start-SwarmTraining", error.Remediation, StringComparison.Ordinal);
    }

    private static LiveTrainingSettings Settings() => new()
    {
        RunId = "ft-run-1",
        Site = "alpha",
        PlanFile = "/srv/run/plan.json",
        PlanDigest = "sha256:" + new string('a', 64),
        BaseSnapshotPath = "/srv/base/base.safetensors",
        DataDirectory = "/srv/data with spaces/ünï",
        Trainers = new Dictionary<string, IReadOnlyList<string>>
        {
            ["dotnet.cpu"] = new[] { "/usr/bin/dotnet", "/opt/swarmps/SwarmPS.Trainer.dll" },
            ["pytorch.cpu"] = new[] { "/usr/bin/python3", "-u", "/opt/swarmps/trainer.py" },
        },
        Coordinator = new CoordinatorSettings
        {
            Repository = "/srv/ledger",
            HeldOutPath = "/srv/data/held-out.txt",
            Destination = "/srv/published/ft-run-1",
            EvidencePath = "/srv/evidence/ft-run-1.tar",
            ReplayTrainer = new[] { "/usr/bin/dotnet", "/opt/swarmps/SwarmPS.Trainer.dll" },
        },
        Drills = new Dictionary<string, string> { ["c1"] = "StaleWorker" },
    };
}
