using System.Net.Sockets;
using Renci.SshNet.Common;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Turns what SSH.NET throws (and the known_hosts verdict on the key the host showed) into the same
/// operator-facing errors <see cref="SshFailure"/> gives for OpenSSH, plus the ones only an in-process
/// client has: an unknown host key (ssh would ask; we never do) and a key file it cannot use.
/// </summary>
public static class SshNetFailure
{
    /// <summary>A failed connect or login.</summary>
    public static SwarmException FromConnect(Exception error, SshNetHostKeyCheck hostKey, SshSettings settings)
    {
        var where = Where(settings);
        switch (hostKey.Verdict)
        {
            case HostKeyVerdict.Unknown:
                return new SwarmException(
                    "SshHostKeyUnknown",
                    $"The host key of {where} ({hostKey.Fingerprint}) is not in known_hosts ({string.Join(", ", hostKey.Files)}); "
                    + "the in-process SSH client never accepts an unknown host key.",
                    $"Check the fingerprint against the centre's published one, then add the key: "
                    + $"ssh-keyscan -p {settings.Port} {settings.Host} >> ~/.ssh/known_hosts (or connect once with "
                    + $"ssh -p {settings.Port} {settings.Destination} and accept it), or name the file that holds it in "
                    + "ssh.options.UserKnownHostsFile; then rerun.",
                    SwarmErrorCategory.PermissionDenied,
                    settings.Destination);
            case HostKeyVerdict.Changed or HostKeyVerdict.Revoked:
                var how = hostKey.Verdict == HostKeyVerdict.Revoked ? "is marked @revoked in" : "differs from the one recorded in";
                return new SwarmException(
                    "SshHostKeyRejected",
                    $"REMOTE HOST IDENTIFICATION HAS CHANGED: the host key of {where} ({hostKey.Fingerprint}) {how} "
                    + $"known_hosts ({string.Join(", ", hostKey.Files)}).",
                    "Ask the centre whether the host key changed and check the new fingerprint against its published one; "
                    + $"only then remove the old line (ssh-keygen -R '{KnownHosts.HostEntryName(settings.Host, settings.Port)}') and add "
                    + $"the new key (ssh-keyscan -p {settings.Port} {settings.Host} >> ~/.ssh/known_hosts); then rerun.",
                    SwarmErrorCategory.PermissionDenied,
                    settings.Destination);
        }

        return error switch
        {
            SshAuthenticationException => new SwarmException(
                "SshAuthenticationFailed",
                $"{error.Message.TrimEnd('.')} (logging in to {where} with the in-process SSH client failed).",
                "Offer a key the site accepts: set identity_file in the site profile (an unencrypted key, mode 0600; "
                + "ssh-agent is not used with client: sshnet) or keep one at ~/.ssh/id_ed25519, and install its public key "
                + "on the site (ssh-copy-id); then rerun.",
                SwarmErrorCategory.PermissionDenied,
                settings.Destination),
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } => Unreachable("Connection refused", settings),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } =>
                Unreachable($"Could not resolve hostname {settings.Host}: Name or service not known", settings),
            SocketException { SocketErrorCode: SocketError.TimedOut } or SshOperationTimeoutException =>
                Unreachable("Connection timed out", settings),
            _ => Unreachable(error.Message, settings),
        };
    }

    /// <summary>The connection broke while a command ran: its outcome is unknown, the next command reconnects.</summary>
    public static SwarmException Dropped(Exception error, SshSettings settings) =>
        Unreachable($"the connection was lost while the command ran ({error.Message})", settings);

    /// <summary>An identity file that is missing, open to others, encrypted or not a private key.</summary>
    public static SwarmException KeyUnusable(string path, string problem, SshSettings settings) => new(
        "SshKeyUnusable",
        $"The SSH key '{path}' for {Where(settings)} cannot be used: {problem}.",
        "Point identity_file at an existing private key without a passphrase and with mode 0600 (ssh-keygen -p removes "
        + "a passphrase; chmod 600 the file), or use client: openssh, which can use ssh-agent for a key with a passphrase.",
        SwarmErrorCategory.PermissionDenied,
        path);

    // SshFailure already names the fix for each kind of network failure; the same line as ssh's gets the same fix.
    private static SwarmException Unreachable(string line, SshSettings settings) => SshFailure.From(line, settings);

    private static string Where(SshSettings settings) => $"{settings.Destination} port {settings.Port}";
}
