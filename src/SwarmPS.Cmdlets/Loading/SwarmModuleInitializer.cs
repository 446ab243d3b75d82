using System.Management.Automation;

namespace SwarmPS.Cmdlets.Loading;

/// <summary>
/// PowerShell's import and removal hooks. The engine resolver is normally hooked already, when the
/// assembly loaded (<see cref="EngineResolver"/>); importing again after a Remove-Module hooks it anew.
/// </summary>
public sealed class SwarmModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => EngineResolver.Register();

    public void OnRemove(PSModuleInfo module) => EngineResolver.Unregister();
}
