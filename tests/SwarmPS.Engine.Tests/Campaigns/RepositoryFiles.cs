namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>Finds files of the repository (examples/) from the test's output folder.</summary>
public static class RepositoryFiles
{
    public static string Path(params string[] parts)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "SwarmPS.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"No SwarmPS.sln above {AppContext.BaseDirectory}.");
        }

        return System.IO.Path.Combine(new[] { directory.FullName }.Concat(parts).ToArray());
    }
}
