using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace SwarmPS.Cmdlets.Loading;

/// <summary>
/// Hooks the engine's loading. The cmdlet assembly is compiled against SwarmPS.Engine but ships without
/// it beside; when the runtime asks the default context for the engine, this hands it the copy in
/// dependencies/, loaded in <see cref="DependencyLoadContext"/>. Everything the engine needs then
/// resolves inside that context.
/// </summary>
public sealed class SwarmModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(SwarmModuleInitializer).Assembly.Location)!, "dependencies");

    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(DependencyDirectory));

    private static int _registered;

    /// <summary>
    /// Runs when this assembly is loaded, before any of its types is used. PowerShell may reflect over
    /// cmdlet parameters typed with engine types (Campaign, JobPlan) before it calls OnImport; hooking
    /// here makes the order irrelevant.
    /// </summary>
#pragma warning disable CA2255 // a module initializer is exactly right for a loader hook that must precede every type use
    [ModuleInitializer]
    internal static void OnAssemblyLoad() => Register();
#pragma warning restore CA2255

    public void OnImport() => Register();

    public void OnRemove(PSModuleInfo module)
    {
        if (Interlocked.Exchange(ref _registered, 0) == 1)
        {
            AssemblyLoadContext.Default.Resolving -= ResolveEngine;
        }
    }

    private static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
        name.Name == "SwarmPS.Engine" ? Context.Value.LoadFromAssemblyName(name) : null;
}
