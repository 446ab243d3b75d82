namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>
/// Where the built module is: the repository root holding SwarmPS.psd1, found by walking up from the test
/// assembly (tests/SwarmPS.Cmdlets.Tests/bin/&lt;config&gt;/net10.0/), and the laid-out bin/ beside it.
/// </summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string Manifest => Path.Combine(Root, "SwarmPS.psd1");

    public static string ModuleBin => Path.Combine(Root, "bin");

    public static string Docs => Path.Combine(Root, "docs");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SwarmPS.psd1")))
            {
                if (!File.Exists(Path.Combine(directory.FullName, "bin", "SwarmPS.Cmdlets.dll")))
                {
                    throw new InvalidOperationException(
                        $"SwarmPS is not built: {directory.FullName}/bin/SwarmPS.Cmdlets.dll is missing. Run 'dotnet build SwarmPS.sln' first.");
                }

                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No SwarmPS.psd1 above {AppContext.BaseDirectory}.");
    }
}
