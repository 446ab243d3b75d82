namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>Experiment repositories for the ledger cmdlets: a directory with a .git folder, initialized through the module.</summary>
public static class LedgerRepositories
{
    /// <summary>A directory the ledger cmdlets accept as a repository root (it has .git), not yet initialized.</summary>
    public static string NewUninitialized(TestSandbox sandbox, string hint)
    {
        var repository = sandbox.NewDirectory(hint);
        Directory.CreateDirectory(Path.Combine(repository, ".git"));
        return repository;
    }

    /// <summary>An initialized repository holding runs for the given learning rates; returns the root and the run ids.</summary>
    public static (string Root, IReadOnlyList<string> RunIds) NewWithRuns(ModuleRunspace shell, TestSandbox sandbox, string hint, params double[] learningRates)
    {
        var repository = NewUninitialized(sandbox, hint);
        var ids = shell.Run("""
            Initialize-SwarmRepository -Path $repo -MachineLabel lab | Out-Null
            foreach ($lr in $rates) { (New-SwarmRun -Repository $repo -Statepoint @{ lr = $lr }).Id }
            """, ("repo", repository), ("rates", learningRates)).AssertNoErrors().Output.Select(id => id.ToString()).ToList();
        return (repository, ids);
    }
}
