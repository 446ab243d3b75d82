using System.Management.Automation;

namespace SwarmPS.Cmdlets.Loading;

/// <summary>
/// PowerShell's import and removal hooks: the one place the engine resolver is hooked. Import-Module calls
/// OnImport after it has scanned the exported types and before any cmdlet runs; Remove-Module unhooks, and
/// importing again after it hooks anew (the engine already loaded stays loaded: assemblies never unload).
/// </summary>
public sealed class SwarmModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => EngineResolver.Register();

    public void OnRemove(PSModuleInfo module) => EngineResolver.Unregister();
}
