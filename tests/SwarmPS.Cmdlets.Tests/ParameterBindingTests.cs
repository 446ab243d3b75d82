using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>How PowerShell binds SwarmPS parameters: by position, by name, by pipeline property name, and refusals.</summary>
[Collection(ModuleCollection.Name)]
public sealed class ParameterBindingTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void PositionalRunIdAndNameGiveTheDesignedMailboxId()
    {
        var identity = Assert.Single(shell.Run("Get-SwarmAgentId demo-001 ping").AssertNoErrors().Output);

        Assert.Equal("demo-001", identity.Properties["RunId"].Value);
        Assert.Equal("ping", identity.Properties["Name"].Value);
        Assert.Equal(MailboxIdPerDesign("demo-001", "ping"), identity.Properties["Id"].Value);
    }

    [Fact]
    public void MissingMandatoryParameterIsABindingErrorAndRunsNothing()
    {
        var result = shell.Run("Get-SwarmAgentId -Name ping");

        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.Equal("MissingMandatoryParameter,SwarmPS.Cmdlets.GetSwarmAgentIdCommand", error.FullyQualifiedErrorId);
        Assert.IsType<ParameterBindingException>(error.Exception);
        Assert.Equal("RunId", ((ParameterBindingException)error.Exception).ParameterName.Trim()); // PowerShell pads the name
    }

    [Fact]
    public void ValidateSetRefusesAValueBeforeTheCmdletRuns()
    {
        var result = shell.Run("Test-SwarmCitation -Path $path -StrictRuns sometimes", ("path", sandbox.NewDirectory("citation")));

        Assert.Empty(result.Output);
        Assert.Equal("ParameterArgumentValidationError,SwarmPS.Cmdlets.TestSwarmCitationCommand", result.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void ObjectsWithRunIdAndAgentPropertiesBindByPropertyName()
    {
        var output = shell.Run("""
            [pscustomobject]@{ RunId = 'demo-001'; Agent = 'ping' }, [pscustomobject]@{ RunId = 'demo-002'; Agent = 'pong' } |
                Get-SwarmAgentId
            """).AssertNoErrors().Output;

        Assert.Equal(
            [MailboxIdPerDesign("demo-001", "ping"), MailboxIdPerDesign("demo-002", "pong")],
            output.Select(identity => (Guid)identity.Properties["Id"].Value).ToArray());
    }

    [Fact]
    public void FilesFromGetChildItemBindToImportByPath()
    {
        var directory = sandbox.NewDirectory("import");
        CampaignFiles.Write(directory, "first");
        CampaignFiles.Write(directory, "second");
        File.WriteAllText(Path.Combine(directory, "notes.txt"), "not a campaign");

        var output = shell.Run("Get-ChildItem -Path $dir -Filter *.yaml | Import-SwarmCampaign", ("dir", directory)).AssertNoErrors().Output;

        Assert.Equal(["first", "second"], output.Select(campaign => campaign.Properties["Name"].Value).Order().ToArray());
    }

    [Fact]
    public void ImportedCampaignPipesIntoTestSwarmCampaign()
    {
        var directory = sandbox.NewDirectory("validate");
        var path = CampaignFiles.Write(directory, "twice", pingPeers: "[pong, pong]");

        var findings = shell.Run("Import-SwarmCampaign $path | Test-SwarmCampaign", ("path", path)).AssertNoErrors().Output;

        var finding = Assert.Single(findings);
        Assert.Equal("PeerDuplicate", finding.Properties["Code"].Value?.ToString());
        Assert.Equal("ping", finding.Properties["Agent"].Value?.ToString());
    }

    [Fact]
    public void FilesFromGetChildItemBindToTestSwarmCampaignPath()
    {
        var directory = sandbox.NewDirectory("validate-files");
        CampaignFiles.Write(directory, "clean");
        CampaignFiles.Write(directory, "twice", pingPeers: "[pong, pong]");

        var findings = shell.Run("Get-ChildItem -Path $dir -Filter *.yaml | Test-SwarmCampaign", ("dir", directory)).AssertNoErrors().Output;

        var finding = Assert.Single(findings);
        Assert.Equal("PeerDuplicate", finding.Properties["Code"].Value?.ToString());
    }

    [Fact]
    public void SiteEntriesPipeIntoGetSwarmSiteByName()
    {
        var names = shell.Run("Get-SwarmSite -Name alpha, beta | Get-SwarmSite").AssertNoErrors().Property("Name");

        Assert.Equal(["alpha", "beta"], names);
    }

    /// <summary>UUID version 5 over "{runId}/{agent}" in the SwarmPS namespace (DESIGN.md), computed here independently.</summary>
    private static Guid MailboxIdPerDesign(string runId, string agent)
    {
        var namespaceBytes = new Guid("6809ee13-7b98-4004-8bfa-97c58e99a2be").ToByteArray(bigEndian: true);
        var hash = SHA1.HashData([.. namespaceBytes, .. Encoding.UTF8.GetBytes($"{runId}/{agent}")]);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
