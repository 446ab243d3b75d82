using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace SwarmPS.Cmdlets.Loading;

/// <summary>
/// Holds the engine and its third-party assemblies (YamlDotNet, Microsoft.Data.Sqlite, SQLitePCLRaw)
/// apart from PowerShell's default context, so SwarmPS can share a session with powershell-yaml or
/// PSSQLite without "assembly with same name is already loaded". Deliberately free of
/// System.Management.Automation so it can be exercised without PowerShell.
/// </summary>
public sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDirectory;

    public DependencyLoadContext(string dependencyDirectory)
        : base("SwarmPS.Dependencies", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    public string DependencyDirectory => _dependencyDirectory;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Only what ships in dependencies/ is ours to load; the framework (System.*) and anything
        // else falls through to the default context, which is what keeps types exchangeable.
        var candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var nativeDirectory = Path.Combine(_dependencyDirectory, "runtimes", CurrentRuntimeIdentifier(), "native");
        foreach (var fileName in NativeFileNames(unmanagedDllName))
        {
            var candidate = Path.Combine(nativeDirectory, fileName);
            if (File.Exists(candidate))
            {
                return LoadUnmanagedDllFromPath(candidate);
            }
        }

        // Let the OS search its usual paths (a system libsqlite3, say) before giving up.
        return IntPtr.Zero;
    }

    /// <summary>The runtime identifier whose native folder matches this process, e.g. linux-x64.</summary>
    public static string CurrentRuntimeIdentifier()
    {
        var os = OperatingSystem.IsWindows() ? "win"
            : OperatingSystem.IsMacOS() ? "osx"
            : "linux";
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        return $"{os}-{arch}";
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (OperatingSystem.IsWindows())
        {
            yield return name + ".dll";
        }
        else
        {
            var extension = OperatingSystem.IsMacOS() ? ".dylib" : ".so";
            yield return name + extension;
            yield return "lib" + name + extension;
        }
    }
}
