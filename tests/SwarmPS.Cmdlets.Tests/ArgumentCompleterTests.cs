using System.Management.Automation;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>Tab completion through PowerShell's own completion engine (CommandCompletion.CompleteInput).</summary>
[Collection(ModuleCollection.Name)]
public sealed class ArgumentCompleterTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void SiteNameCompletesFromTheBuiltInTemplates()
    {
        Assert.Equal(["local"], Complete("Get-SwarmSite lo"));
    }

    [Fact]
    public void SiteNameCompletesFromTheSitePath()
    {
        // alpha comes from SWARMPS_SITE_PATH (the sandbox), aurora is a built-in template: both are listed, sorted.
        Assert.Equal(["alpha", "aurora"], Complete("Test-SwarmSite -Name a"));
    }

    [Fact]
    public void RunIdCompletesNewestFirstAndSkipsInvalidNames()
    {
        // A run is a folder with the site's status.json in it (<runRoot>/<runId>/local/status.json); a folder
        // without one (jobs/, say) is not offered.
        var older = NewRun("cpl-older");
        var newer = NewRun("cpl-newer");
        NewRun("cpl_Not Valid");
        Directory.CreateDirectory(Path.Combine(sandbox.LocalRunRoot, "cpl-nostatus"));
        older.LastWriteTimeUtc = DateTime.UtcNow.AddHours(-2);
        newer.LastWriteTimeUtc = DateTime.UtcNow.AddHours(-1);

        Assert.Equal(["cpl-newer", "cpl-older"], Complete("Stop-SwarmSite -RunId cpl"));
        Assert.Equal(["cpl-older"], Complete("Get-SwarmAgent cpl-o"));
    }

    private DirectoryInfo NewRun(string runId)
    {
        var run = Directory.CreateDirectory(Path.Combine(sandbox.LocalRunRoot, runId));
        Directory.CreateDirectory(Path.Combine(run.FullName, "local"));
        File.WriteAllText(Path.Combine(run.FullName, "local", "status.json"), "{}");
        return run;
    }

    private IReadOnlyList<string> Complete(string input)
    {
        using var powershell = PowerShell.Create(shell.Runspace);
        var completion = CommandCompletion.CompleteInput(input, input.Length, null, powershell);
        return completion.CompletionMatches.Select(match => match.CompletionText).ToList();
    }
}
