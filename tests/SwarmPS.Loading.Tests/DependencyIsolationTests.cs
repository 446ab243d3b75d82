using System.Reflection;
using System.Runtime.Loader;
using YamlDotNet.Serialization;

namespace SwarmPS.Loading.Tests;

/// <summary>
/// The module's engine and its third-party assemblies load in their own AssemblyLoadContext, beside an
/// older copy of the same library in the default context (what powershell-yaml does to a session), and the
/// native SQLite library is found under bin/dependencies/runtimes/&lt;rid&gt;/native.
/// Everything is reached by reflection from the BUILT bin/, exactly as PowerShell reaches it.
/// </summary>
public sealed class DependencyIsolationTests
{
    private static readonly string ModuleBin = Path.Combine(RepoRoot(), "bin");
    private static readonly string Dependencies = Path.Combine(ModuleBin, "dependencies");

    // One load context per test process, as PowerShell has one per imported module.
    private static readonly Lazy<(AssemblyLoadContext Context, Assembly Engine)> Loaded = new(LoadEngine);

    [Fact]
    public void Default_context_uses_YamlDotNet_13()
    {
        var value = new DeserializerBuilder().Build().Deserialize<Dictionary<string, int>>("answer: 42");
        Assert.Equal(42, value["answer"]);

        var yaml = typeof(Deserializer).Assembly;
        Assert.Equal(13, yaml.GetName().Version!.Major);
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(yaml));
    }

    [Fact]
    public void Engine_runs_with_YamlDotNet_16_from_its_own_context()
    {
        var (context, engine) = Loaded.Value;
        var versions = (IReadOnlyDictionary<string, string>)EngineInfo(engine, "DependencyVersions");

        Assert.StartsWith("16.", versions["YamlDotNet"], StringComparison.Ordinal);
        Assert.Equal(engine.GetName().Version!.ToString(), versions["SwarmPS.Engine"]);

        // The 16 the engine got is the one in bin/dependencies, held by the module's context ...
        var engineYaml = context.Assemblies.Single(assembly => assembly.GetName().Name == "YamlDotNet");
        Assert.Equal(16, engineYaml.GetName().Version!.Major);
        Assert.Equal(Path.Combine(Dependencies, "YamlDotNet.dll"), engineYaml.Location);
        Assert.Same(context, AssemblyLoadContext.GetLoadContext(engine));

        // ... while the default context still has only its 13 and never saw the engine.
        _ = new DeserializerBuilder().Build();
        var defaultYaml = AssemblyLoadContext.Default.Assemblies.Where(assembly => assembly.GetName().Name == "YamlDotNet").ToList();
        Assert.Equal(13, Assert.Single(defaultYaml).GetName().Version!.Major);
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, assembly => assembly.GetName().Name == "SwarmPS.Engine");
    }

    [Fact]
    public void Engine_opens_SQLite_through_the_native_library_laid_out_for_this_platform()
    {
        var (context, engine) = Loaded.Value;
        var version = (string)EngineInfo(engine, "NativeSqliteVersion");
        Assert.Matches(@"^3\.\d+\.\d+", version);
        Assert.Contains(context.Assemblies, assembly => assembly.GetName().Name == "Microsoft.Data.Sqlite");

        if (OperatingSystem.IsLinux())
        {
            // The library mapped into this process is the module's copy, not some system libsqlite3.
            var rid = (string)context.GetType().GetMethod("CurrentRuntimeIdentifier")!.Invoke(null, null)!;
            var expected = Path.Combine(Dependencies, "runtimes", rid, "native", "libe_sqlite3.so");
            Assert.Contains(expected, File.ReadAllText("/proc/self/maps"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_hook_that_OnImport_installs_makes_the_default_context_resolve_the_engine_in_isolation()
    {
        // What PowerShell does after it has scanned the exported types: OnImport hooks the resolver
        // (EngineResolver.Register, with no PowerShell in it, so this process can call it), and the first
        // cmdlet body that needs the engine makes the default context ask for it. The scan itself, which
        // needs System.Management.Automation, is proven in real pwsh (tests/pester/Loading.Tests.ps1) and in
        // a hosted runspace (tests/SwarmPS.Cmdlets.Tests).
        var cmdlets = Assembly.LoadFrom(Path.Combine(ModuleBin, "SwarmPS.Cmdlets.dll"));
        var resolver = cmdlets.GetType("SwarmPS.Cmdlets.Loading.EngineResolver", throwOnError: true)!;
        Assert.False((bool)resolver.GetProperty("IsRegistered")!.GetValue(null)!, "loading the assembly must not hook anything by itself");
        resolver.GetMethod("Register")!.Invoke(null, null);
        try
        {
            var engine = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("SwarmPS.Engine"));

            Assert.Equal("SwarmPS.Dependencies", AssemblyLoadContext.GetLoadContext(engine)!.Name);
            Assert.StartsWith(Dependencies, engine.Location, StringComparison.Ordinal);
            Assert.StartsWith("16.", (string)((IReadOnlyDictionary<string, string>)EngineInfo(engine, "DependencyVersions"))["YamlDotNet"]);
        }
        finally
        {
            resolver.GetMethod("Unregister")!.Invoke(null, null);
        }
    }

    private static (AssemblyLoadContext, Assembly) LoadEngine()
    {
        var cmdlets = Assembly.LoadFrom(Path.Combine(ModuleBin, "SwarmPS.Cmdlets.dll"));
        var contextType = cmdlets.GetType("SwarmPS.Cmdlets.Loading.DependencyLoadContext", throwOnError: true)!;
        var context = (AssemblyLoadContext)Activator.CreateInstance(contextType, Dependencies)!;
        var engine = context.LoadFromAssemblyName(new AssemblyName("SwarmPS.Engine"));
        return (context, engine);
    }

    private static object EngineInfo(Assembly engine, string method) =>
        engine.GetType("SwarmPS.Engine.Diagnostics.EngineInfo", throwOnError: true)!
            .GetMethod(method, BindingFlags.Public | BindingFlags.Static)!
            .Invoke(null, null)!;

    internal static string RepoRoot() =>
        typeof(DependencyIsolationTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "RepoRoot").Value!;
}
