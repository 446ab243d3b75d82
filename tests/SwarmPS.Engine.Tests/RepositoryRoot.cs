namespace SwarmPS.Engine.Tests;

/// <summary>The repository checkout the tests run from, found by walking up to SwarmPS.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "SwarmPS.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Tests must run inside the SwarmPS checkout (no SwarmPS.sln found above the test binaries).");
    }
}
