using System.Runtime.InteropServices;

namespace SwarmPS.Engine.Processes;

/// <summary>
/// The <c>dotnet</c> host that runs the module's own .NET programs (the trainer): the one running this
/// process when it can be found, so a child runs on the runtime the module was loaded by, whatever is on PATH.
/// Under <c>dotnet pwsh</c> the CLI names it in DOTNET_HOST_PATH; an installed pwsh carries its own runtime,
/// whose root holds no host, and then PATH's <c>dotnet</c> is the one.
/// </summary>
public static class DotnetHost
{
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } named && File.Exists(named))
        {
            return named;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ is the runtime directory; the host lives in <root>.
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        if (root is not null && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        return ProgramLookup.Resolve("dotnet", Environment.CurrentDirectory, Environment.GetEnvironmentVariable("PATH"))
            ?? throw new SwarmException("DotnetHostNotFound",
                "No 'dotnet' host was found to run the module's trainer (not beside this process's runtime, not on PATH).",
                "Install the .NET runtime 8 or newer and put 'dotnet' on PATH.",
                SwarmErrorCategory.NotInstalled, "dotnet");
    }
}
