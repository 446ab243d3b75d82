using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace SwarmPS.Cmdlets.Loading;

/// <summary>
/// Runs on Import-Module. The cmdlet assembly is compiled against SwarmPS.Engine but ships without it
/// beside; when the runtime asks the default context for the engine, this hands it the copy in
/// dependencies/, loaded in <see cref="DependencyLoadContext"/>. Everything the engine needs then
/// resolves inside that context.
/// </summary>
public sealed class SwarmModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(SwarmModuleInitializer).Assembly.Location)!, "dependencies");

    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(DependencyDirectory));

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveEngine;

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
        name.Name == "SwarmPS.Engine" ? Context.Value.LoadFromAssemblyName(name) : null;
}
