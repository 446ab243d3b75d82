using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace SwarmPS.Cmdlets.Loading;

/// <summary>
/// Hands the default load context the engine from dependencies/ when it asks for SwarmPS.Engine. Hooked
/// as soon as this assembly loads (a module initializer), before any cmdlet type is touched: PowerShell
/// may reflect over parameters typed with engine types (Campaign, JobPlan) before it calls OnImport.
/// Free of System.Management.Automation, so it runs, and is tested, without PowerShell.
/// </summary>
public static class EngineResolver
{
    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(
        Path.Combine(Path.GetDirectoryName(typeof(EngineResolver).Assembly.Location)!, "dependencies")));

    private static int _registered;

    public static bool IsRegistered => Volatile.Read(ref _registered) == 1;

#pragma warning disable CA2255 // a loader hook that must precede every type use is what module initializers are for
    [ModuleInitializer]
    internal static void OnAssemblyLoad() => Register();
#pragma warning restore CA2255

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    public static void Unregister()
    {
        if (Interlocked.Exchange(ref _registered, 0) == 1)
        {
            AssemblyLoadContext.Default.Resolving -= ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
        name.Name == "SwarmPS.Engine" ? Context.Value.LoadFromAssemblyName(name) : null;
}
