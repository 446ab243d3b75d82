using System.Management.Automation;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>
/// Engine errors as PowerShell sees them: FullyQualifiedErrorId = &lt;Id&gt;,SwarmPS.Cmdlets.&lt;Class&gt;, the
/// remediation as RecommendedAction, the engine's category, the failing item as target, and an id that
/// docs/errors.md lists. One case per pillar that can fail without a service running.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ErrorRecordTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void TheDocumentedIdsAreReadFromDocs()
    {
        // Guards the docs check every case below makes: it must tell a documented id from a near miss.
        Assert.True(DocumentedErrorIds.Contains("SiteNotFound"));
        Assert.True(DocumentedErrorIds.Contains("RepositoryNotInitialized"));
        Assert.False(DocumentedErrorIds.Contains("SiteNotFoundd"));
        Assert.False(DocumentedErrorIds.Contains("Site"));
    }

    [Fact]
    public void UnknownSiteIsSiteNotFoundOnTheName()
    {
        var result = shell.Run("Get-SwarmSite -Name local, nosuch");

        Assert.Equal(["local"], result.Property("Name")); // a per-item error: the known name still comes out
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "SiteNotFound", "GetSwarmSiteCommand", ErrorCategory.ObjectNotFound, "nosuch");
    }

    [Fact]
    public void BadRunIdIsRunIdInvalidOnTheRunId()
    {
        var result = shell.Run("Get-SwarmAgentId -RunId 'Bad Id' -Name ping");

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "RunIdInvalid", "GetSwarmAgentIdCommand", ErrorCategory.InvalidArgument, "Bad Id");
    }

    [Fact]
    public void MissingCampaignFileIsConfigFileNotFoundOnTheFile()
    {
        var missing = Path.Combine(sandbox.NewDirectory("missing"), "absent.yaml");

        var result = shell.Run("Import-SwarmCampaign -Path $path", ("path", missing));

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "ConfigFileNotFound", "ImportSwarmCampaignCommand", ErrorCategory.InvalidData, missing);
    }

    [Fact]
    public void BadMachineLabelIsMachineLabelInvalidAndWritesNothing()
    {
        var repository = sandbox.NewDirectory("label");
        Directory.CreateDirectory(Path.Combine(repository, ".git"));

        var result = shell.Run("Initialize-SwarmRepository -Path $repo -MachineLabel 'has space'", ("repo", repository));

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "MachineLabelInvalid", "InitializeSwarmRepositoryCommand", ErrorCategory.InvalidArgument, "has space");
        Assert.False(Directory.Exists(Path.Combine(repository, ".swarm")));
    }

    [Fact]
    public void UnknownLedgerRunIsRunNotFoundOnTheId()
    {
        var repository = sandbox.NewDirectory("runs");
        Directory.CreateDirectory(Path.Combine(repository, ".git"));
        var unknown = new string('0', 32);

        var result = shell.Run("""
            Initialize-SwarmRepository -Path $repo -MachineLabel lab | Out-Null
            Get-SwarmRun -Repository $repo -Id $id
            """, ("repo", repository), ("id", unknown));

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "RunNotFound", "GetSwarmRunCommand", ErrorCategory.ObjectNotFound, unknown);
    }

    [Fact]
    public void UnknownAgentInASliceIsAgentNotFound()
    {
        var path = CampaignFiles.Write(sandbox.NewDirectory("slice"), "slice");

        var result = shell.Run("Import-SwarmCampaign $path | Select-SwarmAgent -Name pingg", ("path", path));

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "AgentNotFound", "SelectSwarmAgentCommand", ErrorCategory.ObjectNotFound, new[] { "pingg" });
    }

    [Fact]
    public void StoppingARunNeverStartedHereIsRunNotFound()
    {
        var result = shell.Run("Stop-SwarmSite -RunId never-started -Site alpha");

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "RunNotFound", "StopSwarmSiteCommand", ErrorCategory.ObjectNotFound, "never-started");
    }

    [Fact]
    public void SyncOutsideAnyRepositoryIsRepositoryNotFound()
    {
        // The temp directory has no .git or .swarm above it (the sandbox lives under the system temp directory).
        var outside = sandbox.NewDirectory("nowhere");

        var result = shell.Run("Sync-SwarmLedger -Repository $dir", ("dir", outside));

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "RepositoryNotFound", "SyncSwarmLedgerCommand", ErrorCategory.ObjectNotFound, outside);
    }

    [Fact]
    public void SyncInAnUninitializedRepositoryIsRepositoryNotInitialized()
    {
        var repository = LedgerRepositories.NewUninitialized(sandbox, "uninitialized");

        var result = shell.Run("Sync-SwarmLedger -Repository $repo", ("repo", repository));

        Assert.Empty(result.Output);
        SwarmErrorAssert.IsSwarmError(result.SingleError(), "RepositoryNotInitialized", "SyncSwarmLedgerCommand", ErrorCategory.ObjectNotFound, repository);
        Assert.False(Directory.Exists(Path.Combine(repository, ".swarm")));
    }
}
