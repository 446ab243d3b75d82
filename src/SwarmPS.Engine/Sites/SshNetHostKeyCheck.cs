namespace SwarmPS.Engine.Sites;

/// <summary>
/// What one connection attempt of <see cref="SshNetShell"/> learnt about the host key: the verdict of the
/// known_hosts files on it (null while the host has shown none, e.g. when the connection was refused) and
/// its fingerprint, so a refusal can say which key it refused and where it looked.
/// </summary>
public sealed class SshNetHostKeyCheck(IReadOnlyList<string> files)
{
    public IReadOnlyList<string> Files { get; } = files;

    public HostKeyVerdict? Verdict { get; private set; }

    /// <summary>As ssh prints it: <c>ssh-ed25519 SHA256:...</c>.</summary>
    public string Fingerprint { get; private set; } = "";

    /// <summary>Judges the key the host presented; true when it may be trusted.</summary>
    public bool Judge(string host, int port, byte[] hostKey, string sha256Fingerprint)
    {
        Verdict = KnownHosts.Check(Files, host, port, hostKey);
        Fingerprint = $"{KnownHosts.KeyType(hostKey)} SHA256:{sha256Fingerprint}";
        return Verdict == HostKeyVerdict.Known;
    }
}
