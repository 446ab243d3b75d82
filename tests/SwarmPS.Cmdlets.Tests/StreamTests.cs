using System.Management.Automation;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>What cmdlets report besides output: progress records and warnings reach their streams.</summary>
[Collection(ModuleCollection.Name)]
public sealed class StreamTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void SyncSwarmLedgerReportsProgressUnderOneActivityAndEndsCompleted()
    {
        var (repository, ids) = LedgerRepositories.NewWithRuns(shell, sandbox, "sync", 0.1, 0.2);
        shell.Run("""
            foreach ($id in $ids) { Set-SwarmRunStatus -Repository $repo -Id $id -Status complete | Out-Null }
            Remove-Item -Path (Join-Path $repo '.swarm/ledger/*.json')
            """, ("repo", repository), ("ids", ids)).AssertNoErrors();

        var result = shell.Run("Sync-SwarmLedger -Repository $repo", ("repo", repository)).AssertNoErrors();

        Assert.Single(result.Output);
        Assert.All(ids, id => Assert.True(File.Exists(Path.Combine(repository, ".swarm", "ledger", id + ".json")), $"{id} not promoted"));
        Assert.NotEmpty(result.Progress);
        Assert.Single(result.Progress.Select(record => record.ActivityId).Distinct());
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
        Assert.DoesNotContain(result.Progress.SkipLast(1), record => record.RecordType == ProgressRecordType.Completed);
    }

    [Fact]
    public void InitializeWarnsAboutAGitIgnoreLineThatHidesTheLedger()
    {
        var repository = LedgerRepositories.NewUninitialized(sandbox, "hides");
        File.WriteAllText(Path.Combine(repository, ".gitignore"), ".swarm/\n");

        var result = shell.Run("Initialize-SwarmRepository -Path $repo -MachineLabel lab", ("repo", repository)).AssertNoErrors();

        var warning = Assert.Single(result.Warnings);
        Assert.Contains(".swarm/", warning.Message);
        var initialization = Assert.Single(result.Output);
        // The warning reads "<Code>: <problem and fix> (<file>:<line>)": the finding the object carries, minus its severity.
        dynamic finding = ((System.Collections.IEnumerable)initialization.Properties["Warnings"].Value).Cast<object>().Single();
        Assert.StartsWith("GitIgnoreHidesLedger: ", warning.Message);
        Assert.Contains((string)finding.Message, warning.Message);
    }
}
