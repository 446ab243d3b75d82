namespace SwarmPS.Engine.Sites;

/// <summary>File staging and checked runs built from plain commands, so every shell gets them for free.</summary>
public static class SiteShellExtensions
{
    /// <summary>The mode of a staged file: owner-only, as is all a job stages on a shared host.</summary>
    public const string FileMode = "600";

    /// <summary>The mode of a staged script (owner-only, executable).</summary>
    public const string ScriptMode = "700";

    /// <summary>
    /// Writes bytes to a path on the shell's side: into a temporary name beside it, then renamed, so a
    /// reader never sees half a file. The temporary name carries the writing shell's pid (<c>$$</c>), so two
    /// stagers of one path at once (two submits, a submit and a resume) never write into the same temporary
    /// file; the last rename wins, whole. A failed write removes its temporary file. Works wherever
    /// <c>sh</c>, <c>mkdir</c>, <c>cat</c>, <c>chmod</c>, <c>mv</c> and <c>rm</c> do. Under umask 077 the file
    /// and any directory made for it are owner-only from creation (then chmod gives the exact
    /// <paramref name="mode"/>), whatever the login shell's umask.
    /// </summary>
    public static async Task WriteFileAsync(this ISiteShell shell, string path, byte[] content, CancellationToken cancellationToken = default, string mode = FileMode)
    {
        const string script = "set -e; umask 077; mkdir -p \"$(dirname \"$1\")\"; t=\"$1.swarm-tmp.$$\"; trap 'rm -f \"$t\"' EXIT; "
            + "cat > \"$t\"; chmod \"$2\" \"$t\"; mv -f \"$t\" \"$1\"";
        var result = await shell.RunAsync(
            new ShellCommand("sh", "-c", script, "sh", path, mode) { StandardInput = content, Timeout = TimeSpan.FromMinutes(5) },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new SwarmException(
                "StagingFailed",
                $"Could not write '{path}' on {shell.Target}: {FirstLine(result.StandardError)}",
                "Check that the directory is writable on that host (Test-SwarmSite checks the run root).",
                SwarmErrorCategory.PermissionDenied,
                path);
        }
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no error output";
}
