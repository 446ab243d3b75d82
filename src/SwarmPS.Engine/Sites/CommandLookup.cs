namespace SwarmPS.Engine.Sites;

/// <summary>
/// Where each named command lives on a shell's PATH (as a non-interactive login sees it), found with
/// POSIX <c>command -v</c> in one round trip.
/// </summary>
public sealed record CommandLookup(IReadOnlyDictionary<string, string> Found, IReadOnlyList<string> Missing)
{
    private const string Script =
        "for c do if p=$(command -v \"$c\" 2>/dev/null); then printf 'found\\t%s\\t%s\\n' \"$c\" \"$p\"; else printf 'missing\\t%s\\n' \"$c\"; fi; done";

    /// <summary>Looks the commands up; null when the lookup itself could not run (see the result).</summary>
    public static async Task<(CommandLookup? Lookup, ShellResult Result)> RunAsync(
        ISiteShell shell, IReadOnlyList<string> commands, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await shell.RunAsync(
            new ShellCommand("sh", new[] { "-c", Script, "sh" }.Concat(commands).ToArray()) { Timeout = timeout },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return (null, result);
        }

        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var fields in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')))
        {
            if (fields is ["found", var name, var path])
            {
                found[name] = path;
            }
            else if (fields is ["missing", var absent])
            {
                missing.Add(absent);
            }
        }

        return (new CommandLookup(found, missing), result);
    }
}
