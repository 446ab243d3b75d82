using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>-WhatIf on the state-changing cmdlets: nothing is written, nothing is returned.</summary>
[Collection(ModuleCollection.Name)]
public sealed class WhatIfTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void InitializeSwarmRepositoryWhatIfCreatesNothing()
    {
        var repository = sandbox.NewDirectory("init");
        Directory.CreateDirectory(Path.Combine(repository, ".git"));
        var before = DirectorySnapshot.Take(repository);

        var result = shell.Run("Initialize-SwarmRepository -Path $repo -MachineLabel lab -WhatIf", ("repo", repository)).AssertNoErrors();

        Assert.Empty(result.Output);
        Assert.Equal(before, DirectorySnapshot.Take(repository));

        // The same call without -WhatIf does write, so the assertion above is about -WhatIf, not a no-op cmdlet.
        shell.Run("Initialize-SwarmRepository -Path $repo -MachineLabel lab", ("repo", repository)).AssertNoErrors();
        Assert.True(Directory.Exists(Path.Combine(repository, ".swarm", "ledger")));
    }

    [Fact]
    public void RunStoreCmdletsWhatIfLeaveTheRepositoryUntouched()
    {
        var repository = sandbox.NewDirectory("ledger");
        Directory.CreateDirectory(Path.Combine(repository, ".git"));
        var id = shell.Run("""
            Initialize-SwarmRepository -Path $repo -MachineLabel lab | Out-Null
            (New-SwarmRun -Repository $repo -Statepoint @{ lr = 0.1 }).Id
            """, ("repo", repository)).AssertNoErrors().Output.Single().ToString();
        // Read before the snapshot: opening the store is a read, but SQLite may touch its journal files.
        var runs = shell.Run("Get-SwarmRun -Repository $repo", ("repo", repository)).AssertNoErrors().Output;
        var before = DirectorySnapshot.Take(repository);

        var result = shell.Run("""
            New-SwarmRun -Repository $repo -Statepoint @{ lr = 0.2 } -WhatIf
            $runs | Set-SwarmRunStatus -Repository $repo -Status complete -WhatIf
            Publish-SwarmLedgerEntry -Repository $repo -Id $id -WhatIf
            """, ("repo", repository), ("id", id), ("runs", runs)).AssertNoErrors();

        Assert.Empty(result.Output);
        Assert.Equal(before, DirectorySnapshot.Take(repository));
        var after = shell.Run("Get-SwarmRun -Repository $repo", ("repo", repository)).AssertNoErrors().Output;
        var run = Assert.Single(after);
        Assert.Equal(id, run.Properties["Id"].Value);
        Assert.NotEqual("Complete", run.Properties["Status"].Value?.ToString());
    }

    [Fact]
    public void StartSwarmExchangeWhatIfStartsNothing()
    {
        var state = Path.Combine(sandbox.NewDirectory("exchange"), "state");

        var result = shell.Run("Start-SwarmExchange -StateDirectory $state -Port 0 -WhatIf -PassThru", ("state", state)).AssertNoErrors();

        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(state), "-WhatIf created the exchange state directory");
        var probe = shell.Run("Get-SwarmExchange -StateDirectory $state", ("state", state));
        Assert.Empty(probe.Output);
        Assert.Equal("ExchangeNotRunning,SwarmPS.Cmdlets.GetSwarmExchangeCommand", probe.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void SyncSwarmLedgerWhatIfWritesNoEntry()
    {
        var (repository, ids) = LedgerRepositories.NewWithRuns(shell, sandbox, "sync-whatif", 0.3);
        shell.Run("""
            Set-SwarmRunStatus -Repository $repo -Id $id -Status complete | Out-Null
            Remove-Item -Path (Join-Path $repo '.swarm/ledger/*.json')
            """, ("repo", repository), ("id", ids[0])).AssertNoErrors();
        var before = DirectorySnapshot.Take(repository);

        var result = shell.Run("Sync-SwarmLedger -Repository $repo -WhatIf", ("repo", repository)).AssertNoErrors();

        Assert.Empty(result.Output);
        Assert.Equal(before, DirectorySnapshot.Take(repository));
        Assert.False(File.Exists(Path.Combine(repository, ".swarm", "ledger", ids[0] + ".json")));
    }
}
