using System.Management.Automation;
using System.Reflection;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>
/// The import-breaking rule (DESIGN.md, "Assemblies and loading"): PowerShell lays out every exported cmdlet
/// class while it scans the assembly, before OnImport hooks the engine resolver, so a parameter typed with an
/// engine enum or struct breaks Import-Module. Engine reference types are fine (resolved later).
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ParameterTypeTests(ModuleRunspace shell) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void NoExportedCmdletHasAParameterOfAnEngineValueType()
    {
        var cmdlets = shell.Run("Get-Command -Module SwarmPS -CommandType Cmdlet").AssertNoErrors().Output
            .Select(command => (CmdletInfo)command.BaseObject)
            .ToList();
        Assert.Equal(shell.Module.ExportedCmdlets.Count, cmdlets.Count);

        var offenders = cmdlets
            .SelectMany(cmdlet => cmdlet.ImplementingType
                .GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(property => property.GetCustomAttributes<ParameterAttribute>(inherit: true).Any())
                .Where(property => IsEngineValueType(property.PropertyType))
                .Select(property => $"{cmdlet.Name} -{property.Name} ({property.PropertyType})"))
            .ToList();

        Assert.True(offenders.Count == 0, "parameters typed with engine value types: " + string.Join(", ", offenders));
    }

    [Fact]
    public void TheCheckRecognisesEngineTypes()
    {
        // Proves the predicate above can fire: an engine enum is flagged, an engine class parameter is not.
        var campaignParameter = shell.Run("(Get-Command Test-SwarmCampaign).ImplementingType").Output
            .Select(type => (Type)type.BaseObject).Single()
            .GetProperty("Campaign")!.PropertyType;
        Assert.Equal("SwarmPS.Engine", campaignParameter.Assembly.GetName().Name);
        Assert.False(IsEngineValueType(campaignParameter));

        var findingSeverity = shell.Run("(Get-Command Test-SwarmCampaign).OutputType[0].Type").Output
            .Select(type => (Type)type.BaseObject).Single()
            .GetProperty("Severity")!.PropertyType;
        Assert.True(findingSeverity.IsEnum);
        Assert.True(IsEngineValueType(findingSeverity));
        Assert.True(IsEngineValueType(typeof(Nullable<>).MakeGenericType(findingSeverity)));
        Assert.True(IsEngineValueType(findingSeverity.MakeArrayType()));
    }

    /// <summary>An engine enum or struct, also inside an array or Nullable.</summary>
    private static bool IsEngineValueType(Type type)
    {
        while (type.IsArray)
        {
            type = type.GetElementType()!;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsValueType && type.Assembly.GetName().Name == "SwarmPS.Engine";
    }
}
