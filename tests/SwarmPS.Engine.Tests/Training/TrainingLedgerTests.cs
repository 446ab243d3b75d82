using System.Text.Json;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Tests.Ledger;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>Each training step as a run of a real git repository's run store, promoted to a ledger entry the ledger's readers find.</summary>
public sealed class TrainingLedgerTests
{
    private static readonly Dictionary<string, string> Facts = new()
    {
        ["verdict"] = "Accepted",
        ["manifest_digest"] = TrainingSamples.Digest('1'),
        ["checks_passed"] = "8",
    };

    [Fact]
    public void A_validation_is_a_complete_run_promoted_to_the_ledger_with_its_statepoint()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "coordinator");
        Directory.CreateDirectory(Path.Combine(repo.Root, "sub"));

        var result = TrainingLedger.Record(Path.Combine(repo.Root, "sub"), TrainingStep.Validation, TrainingSamples.RunId, "contrib-a", Facts, succeeded: true);

        Assert.Empty(result.Notes);
        Assert.NotNull(result.LedgerRunId);
        Assert.True(File.Exists(repo.Repository.LedgerEntryPath(result.LedgerRunId!)));
        var entry = LedgerReader.ReadOne(repo.Repository, result.LedgerRunId!);
        Assert.Equal(RunStatus.Complete, entry.Status);
        Assert.Equal("coordinator", entry.Machine);
        using var statepoint = JsonDocument.Parse(entry.Statepoint);
        Assert.Equal("validation", statepoint.RootElement.GetProperty("training").GetString());
        Assert.Equal(TrainingSamples.RunId, statepoint.RootElement.GetProperty("run_id").GetString());
        Assert.Equal("contrib-a", statepoint.RootElement.GetProperty("subject").GetString());
        Assert.Equal(TrainingSamples.Digest('1'), statepoint.RootElement.GetProperty("facts").GetProperty("manifest_digest").GetString());
        Assert.Equal(LedgerRunId.FromStatepoint(TrainingLedger.Statepoint(TrainingStep.Validation, TrainingSamples.RunId, "contrib-a", Facts)), result.LedgerRunId);
        Assert.Contains(LedgerReader.Read(repo.Repository).Entries, e => e.Id == result.LedgerRunId);
    }

    [Fact]
    public void Facts_go_through_the_ledger_sanitizer_and_the_entry_passes_Test_SwarmLedger()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "coordinator");
        var facts = new Dictionary<string, string>
        {
            ["adapter_digest"] = TrainingSamples.Digest('a'),
            ["stored_at"] = "/srv/coordinator/outside/adapter.safetensors",
            ["admission_token"] = "tok-s3cret",
        };

        var result = TrainingLedger.Record(repo.Root, TrainingStep.Contribution, TrainingSamples.RunId, "contrib-a", facts, succeeded: true);

        var text = File.ReadAllText(repo.Repository.LedgerEntryPath(result.LedgerRunId!));
        Assert.DoesNotContain("tok-s3cret", text);
        Assert.DoesNotContain("/srv/coordinator", text);
        Assert.Contains(TrainingSamples.Digest('a'), text);
        Assert.Empty(LedgerValidator.Validate(repo.Repository));
    }

    [Fact]
    public void A_refused_publication_is_a_failed_run_and_the_same_step_again_is_the_same_run()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "coordinator");
        var facts = new Dictionary<string, string> { ["publish"] = "Refused", ["result"] = "Refused" };

        var first = TrainingLedger.Record(repo.Root, TrainingStep.Publication, TrainingSamples.RunId, new string('c', 64), facts, succeeded: false);
        var again = TrainingLedger.Record(repo.Root, TrainingStep.Publication, TrainingSamples.RunId, new string('c', 64), facts, succeeded: false);

        Assert.Equal(RunStatus.Failed, LedgerReader.ReadOne(repo.Repository, first.LedgerRunId!).Status);
        Assert.Equal(first.LedgerRunId, again.LedgerRunId);
        Assert.Empty(again.Notes);
    }

    [Fact]
    public void Without_a_repository_nothing_is_recorded_and_the_note_says_why()
    {
        var directory = Directory.CreateTempSubdirectory("swarmps-norepo-").FullName;
        try
        {
            var result = TrainingLedger.Record(directory, TrainingStep.Contribution, TrainingSamples.RunId, "contrib-a", Facts, succeeded: true);

            Assert.Null(result.LedgerRunId);
            Assert.Contains("no experiment repository", Assert.Single(result.Notes));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void In_a_repository_not_initialised_nothing_is_recorded_or_created()
    {
        using var repo = new TemporaryRepository();

        var result = TrainingLedger.Record(repo.Root, TrainingStep.Aggregation, TrainingSamples.RunId, new string('c', 64), Facts, succeeded: true);

        Assert.Null(result.LedgerRunId);
        Assert.Contains("Initialize-SwarmRepository", Assert.Single(result.Notes));
        Assert.False(Directory.Exists(repo.Repository.SwarmDirectory));
    }
}
