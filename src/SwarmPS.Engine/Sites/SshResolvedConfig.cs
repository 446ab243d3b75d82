namespace SwarmPS.Engine.Sites;

/// <summary>
/// What ssh itself will use for a destination, from <c>ssh -G</c>: the real host name and port behind a
/// Host alias, the identity files it will offer, and any jump host. Preflight probes these, not the
/// profile's literal words, so a profile that names an alias from ~/.ssh/config is checked correctly.
/// </summary>
public sealed record SshResolvedConfig(
    string HostName,
    int Port,
    IReadOnlyList<string> IdentityFiles,
    string? ProxyJump,
    string? ProxyCommand)
{
    public static SshResolvedConfig Parse(string sshDashGOutput)
    {
        string? hostName = null;
        var port = 22;
        var identities = new List<string>();
        string? jump = null;
        string? proxyCommand = null;
        foreach (var line in sshDashGOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.IndexOf(' ');
            if (space < 0)
            {
                continue;
            }

            var key = line[..space];
            var value = line[(space + 1)..].Trim();
            switch (key)
            {
                case "hostname":
                    hostName = value;
                    break;
                case "port" when int.TryParse(value, out var parsed):
                    port = parsed;
                    break;
                case "identityfile":
                    identities.Add(OpenSshShell.ExpandHome(value));
                    break;
                case "proxyjump" when value != "none":
                    jump = value;
                    break;
                case "proxycommand" when value != "none":
                    proxyCommand = value;
                    break;
            }
        }

        return new SshResolvedConfig(hostName ?? "", port, identities, jump, proxyCommand);
    }
}
