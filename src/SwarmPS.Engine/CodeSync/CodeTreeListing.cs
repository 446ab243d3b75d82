using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// Which files of an experiment's folder are its code. In a git work tree: what git would commit, tracked
/// files plus untracked ones that .gitignore (and .git/info/exclude, the global excludes file) does not
/// ignore, asked of git itself (<c>git ls-files --cached --others --exclude-standard -z</c>) so every
/// .gitignore rule means exactly what it means to git. Outside one: every file under the folder except
/// <c>.git</c> folders, since there is no ignore file to honour; -Exclude trims either list.
/// Folders are never listed (a git submodule's folder is skipped: its files are not shipped).
/// </summary>
public static class CodeTreeListing
{
    /// <summary>Sorted (ordinal), relative, forward-slash paths of the files and links to ship.</summary>
    public static async Task<(IReadOnlyList<string> Paths, bool FromGit)> ListAsync(
        string root, IReadOnlyList<CodeExcludePattern> excludes, CancellationToken cancellationToken)
    {
        var fromGit = await GitListAsync(root, cancellationToken).ConfigureAwait(false);
        var paths = fromGit ?? WalkAll(root);
        var kept = paths
            .Where(path => !excludes.Any(pattern => pattern.Excludes(path)))
            .Where(path => path is not (ShippedCode.FileName or CodeTarStream.CompleteMarker)) // Ours, on the site.
            .Where(path => IsFileOrLink(Path.Combine(root, path)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return (kept, fromGit is not null);
    }

    private static async Task<IReadOnlyList<string>?> GitListAsync(string root, CancellationToken cancellationToken)
    {
        ShellResult inside;
        try
        {
            inside = await ProcessRunner.RunAsync(
                new ShellCommand("git", "-C", root, "rev-parse", "--is-inside-work-tree") { Timeout = TimeSpan.FromSeconds(30) },
                cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error) when (error.ErrorId == "CommandNotFound")
        {
            return null;
        }

        if (!inside.Succeeded || inside.StandardOutput.Trim() != "true")
        {
            return null;
        }

        // Paths come relative to root (git's current directory), NUL-separated so any name survives.
        var listed = await ProcessRunner.RunAsync(
            new ShellCommand("git", "-c", "core.quotePath=false", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
            {
                Timeout = TimeSpan.FromMinutes(5),
            },
            cancellationToken).ConfigureAwait(false);
        if (!listed.Succeeded)
        {
            throw new SwarmException(
                "CodeListFailed",
                $"git could not list the files of '{root}': {listed.StandardError.Trim()}",
                "Run 'git status' in that folder and fix what it reports, or sync a folder outside git.",
                SwarmErrorCategory.InvalidOperation,
                root);
        }

        return listed.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    private static IReadOnlyList<string> WalkAll(string root)
    {
        var found = new List<string>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                if (entry is DirectoryInfo && entry.LinkTarget is null)
                {
                    if (entry.Name != ".git")
                    {
                        pending.Push(entry.FullName);
                    }
                }
                else
                {
                    // Files, and links of any kind (a link to a folder is shipped as a link, not followed).
                    found.Add(relative);
                }
            }
        }

        return found;
    }

    private static bool IsFileOrLink(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null || (info.Exists && !info.Attributes.HasFlag(FileAttributes.Directory));
    }
}
