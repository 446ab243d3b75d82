using System.Management.Automation;

namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>What one script run produced, stream by stream.</summary>
public sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<WarningRecord> Warnings,
    IReadOnlyList<ProgressRecord> Progress,
    IReadOnlyList<InformationRecord> Information)
{
    /// <summary>The one error the script was expected to raise; fails listing all of them otherwise.</summary>
    public ErrorRecord SingleError()
    {
        Assert.True(Errors.Count == 1, $"expected exactly one error, got {Errors.Count}: {string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e))}");
        return Errors[0];
    }

    /// <summary>Fails with the errors' text when there were any, so a broken setup says why.</summary>
    public ScriptResult AssertNoErrors()
    {
        Assert.True(Errors.Count == 0, "unexpected errors: " + string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        return this;
    }

    /// <summary>The value of one property on every output object, as text.</summary>
    public IReadOnlyList<string?> Property(string name) =>
        Output.Select(item => item.Properties[name]?.Value?.ToString()).ToList();
}
