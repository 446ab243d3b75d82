using System.Reflection;

namespace SwarmPS.Surface.Tests;

/// <summary>Where the built module and the broken samples are; the paths are stamped in by the project file.</summary>
public static class SurfaceLocations
{
    public static string RepoRoot => Metadata("RepoRoot");

    public static string ModuleAssembly => Path.Combine(RepoRoot, "bin", "SwarmPS.Cmdlets.dll");

    public static string ModuleDependencies => Path.Combine(RepoRoot, "bin", "dependencies");

    public static string ModuleManifest => Path.Combine(RepoRoot, "SwarmPS.psd1");

    public static string ModuleHelp => Path.Combine(RepoRoot, "help");

    public static string SamplesAssembly => Metadata("SamplesAssembly");

    public static string BrokenSamples => Path.Combine(RepoRoot, "tests", "SwarmPS.Surface.Tests", "BrokenSamples");

    /// <summary>
    /// The PowerShellStandard.Library reference assembly the cmdlets compile against: the path the
    /// package restore recorded, else the usual NuGet cache location.
    /// </summary>
    public static string PowerShellReference
    {
        get
        {
            var restored = Metadata("PowerShellStandardReference");
            if (File.Exists(restored))
            {
                return restored;
            }

            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(packages, "powershellstandard.library", "5.1.0-preview-06", "lib", "netstandard2.0", "System.Management.Automation.dll");
        }
    }

    private static string Metadata(string key) =>
        typeof(SurfaceLocations).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == key).Value!;
}
