using System.Reflection;
using System.Runtime.Loader;

namespace SwarmPS.Cmdlets.Loading;

/// <summary>
/// Hands the default load context the engine from dependencies/ when it asks for SwarmPS.Engine. Hooked
/// by <see cref="SwarmModuleInitializer.OnImport"/>: PowerShell scans this assembly's exported types before
/// it calls OnImport, so no exported type may need the engine to be laid out (docs/architecture.md,
/// "Loading"); cmdlet bodies and engine reference-typed parameters resolve the engine only after the hook.
/// Free of System.Management.Automation, so it runs, and is tested, without PowerShell.
/// </summary>
public static class EngineResolver
{
    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(
        Path.Combine(Path.GetDirectoryName(typeof(EngineResolver).Assembly.Location)!, "dependencies")));

    private static int _registered;

    public static bool IsRegistered => Volatile.Read(ref _registered) == 1;

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
