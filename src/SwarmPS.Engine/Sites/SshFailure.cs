namespace SwarmPS.Engine.Sites;

/// <summary>
/// Turns ssh's own failure (exit 255) into an operator-facing error. ssh's first diagnostic line is
/// the clearest statement of what went wrong, so it leads the message; the remediation names the fix
/// for the kind of failure the line describes.
/// </summary>
public static class SshFailure
{
    public static SwarmException From(string standardError, SshSettings settings)
    {
        var lines = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var first = lines.FirstOrDefault(IsDiagnostic) ?? lines.FirstOrDefault() ?? "ssh exited with 255 and no message";
        var where = $"{settings.Destination} port {settings.Port}";

        if (Mentions(lines, "Permission denied") || Mentions(lines, "Too many authentication failures"))
        {
            return new SwarmException(
                "SshAuthenticationFailed",
                $"{first} (logging in to {where} without a prompt failed).",
                "Make sure a key the site accepts is offered: set identity_file in the site profile (mode 0600) "
                + "or load it into ssh-agent (ssh-add), and install its public key on the site (ssh-copy-id). "
                + "For a site with MFA, open the master connection once interactively with the same ControlPath, "
                + "then rerun Test-SwarmSite.",
                SwarmErrorCategory.PermissionDenied,
                settings.Destination);
        }

        if (Mentions(lines, "Host key verification failed") || Mentions(lines, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
        {
            return new SwarmException(
                "SshHostKeyRejected",
                $"{first} ({where}).",
                "Connect once interactively (ssh -p <port> <user@host>) to accept the host key after checking its "
                + "fingerprint against the centre's published one, or add it to known_hosts; then rerun Test-SwarmSite.",
                SwarmErrorCategory.PermissionDenied,
                settings.Destination);
        }

        string remediation;
        if (Mentions(lines, "Connection refused"))
        {
            remediation = $"Nothing accepts SSH at {where}: check the host and port in the site profile "
                + "(and that sshd runs there), then run Test-SwarmSite.";
        }
        else if (Mentions(lines, "timed out") || Mentions(lines, "No route to host") || Mentions(lines, "Network is unreachable"))
        {
            remediation = $"{where} did not answer: check the host name, the network path (VPN, bastion/ProxyJump) "
                + "and firewalls, or raise connect_timeout in the site profile; then run Test-SwarmSite.";
        }
        else if (Mentions(lines, "Could not resolve hostname") || Mentions(lines, "Name or service not known"))
        {
            remediation = $"The host name '{settings.Host}' does not resolve: fix host in the site profile (or give "
                + "a Host alias defined in your ssh config), then run Test-SwarmSite.";
        }
        else
        {
            remediation = $"Check the host, port and key in the site profile and run Test-SwarmSite, which probes "
                + $"each step of reaching {where} and names the one that fails.";
        }

        return new SwarmException(
            "SiteUnreachable",
            $"Could not reach {where} over ssh: {first}",
            remediation,
            SwarmErrorCategory.ConnectionError,
            settings.Destination);
    }

    private static bool Mentions(IEnumerable<string> lines, string text) =>
        lines.Any(line => line.Contains(text, StringComparison.OrdinalIgnoreCase));

    // ssh prefixes its own warnings ("Warning: Permanently added ...") that are not the failure.
    private static bool IsDiagnostic(string line) => !line.StartsWith("Warning:", StringComparison.OrdinalIgnoreCase)
        && !line.StartsWith("**", StringComparison.Ordinal);
}
