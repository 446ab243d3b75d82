using System.Management.Automation;

namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>
/// The shape every SwarmPS error must have in PowerShell (docs/architecture.md): the engine's id with the
/// cmdlet class appended, the remediation as the recommended action, a real category and the failing
/// item as target; and the id documented in docs/.
/// </summary>
public static class SwarmErrorAssert
{
    public static void IsSwarmError(ErrorRecord record, string errorId, string cmdletClass, ErrorCategory category, object? target)
    {
        Assert.Equal($"{errorId},SwarmPS.Cmdlets.{cmdletClass}", record.FullyQualifiedErrorId);
        Assert.False(string.IsNullOrWhiteSpace(record.ErrorDetails?.RecommendedAction), $"{errorId} has no RecommendedAction");
        Assert.Contains(record.ErrorDetails!.RecommendedAction, record.ErrorDetails.Message);
        Assert.Equal(category, record.CategoryInfo.Category);
        Assert.Equal(target, record.TargetObject);
        Assert.True(DocumentedErrorIds.Contains(errorId), $"error id {errorId} is not in docs/errors.md");
    }
}
