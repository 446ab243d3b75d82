using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Checks a host key against OpenSSH known_hosts files, so the in-process client (<see cref="SshNetShell"/>)
/// trusts exactly what <c>ssh</c> would: plain and hashed (<c>|1|salt|hash</c>) host names, <c>[host]:port</c>
/// for a port other than 22, comma lists, <c>*</c>/<c>?</c> wildcards, <c>!</c> negation and <c>@revoked</c>.
/// <c>@cert-authority</c> lines are skipped (certificates are not verified here). The files are the
/// user's and may be large or hostile: each is read up to <see cref="MaximumFileBytes"/>, and a line that
/// does not parse is ignored, as ssh ignores it.
/// </summary>
public static class KnownHosts
{
    public const int MaximumFileBytes = 16 * 1024 * 1024;

    /// <summary>The files ssh reads when the profile names none: the user's, then the system-wide one.</summary>
    public static IReadOnlyList<string> DefaultFiles() => new[]
    {
        OpenSshShell.ExpandHome("~/.ssh/known_hosts"),
        OpenSshShell.ExpandHome("~/.ssh/known_hosts2"),
        "/etc/ssh/ssh_known_hosts",
    };

    /// <summary>The name a host has in known_hosts: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string HostEntryName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>
    /// The verdict on <paramref name="key"/>, a host key blob in SSH wire format (as known_hosts stores it
    /// in base64). Types are compared by the blob's own type name, not the negotiated algorithm (an RSA key
    /// signs as rsa-sha2-512 but is stored as ssh-rsa).
    /// </summary>
    public static HostKeyVerdict Check(IEnumerable<string> files, string host, int port, byte[] key)
    {
        var name = HostEntryName(host, port);
        var keyType = KeyType(key);
        var verdict = HostKeyVerdict.Unknown;
        foreach (var file in files)
        {
            foreach (var line in ReadLines(file))
            {
                var entry = Parse(line);
                if (entry is null || !Matches(entry.Value.Hosts, name))
                {
                    continue;
                }

                var (marker, _, blob) = entry.Value;
                var type = KeyType(blob);
                var sameKey = blob.AsSpan().SequenceEqual(key);
                if (marker == "@revoked" && sameKey)
                {
                    return HostKeyVerdict.Revoked;
                }

                if (marker is not null)
                {
                    continue;
                }

                if (sameKey)
                {
                    verdict = HostKeyVerdict.Known;
                }
                else if (type == keyType && verdict == HostKeyVerdict.Unknown)
                {
                    verdict = HostKeyVerdict.Changed;
                }
            }
        }

        // A revoked key anywhere wins (returned above); otherwise one line with the key is enough, as in ssh.
        return verdict;
    }

    private static IEnumerable<string> ReadLines(string file)
    {
        if (!File.Exists(file))
        {
            return Array.Empty<string>();
        }

        using var stream = File.OpenRead(file);
        var buffer = new byte[(int)Math.Min(stream.Length, MaximumFileBytes)];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Encoding.UTF8.GetString(buffer, 0, read).Split('\n');
    }

    /// <summary>The type name a wire-format key blob starts with (uint32 length, then the name), e.g. ssh-ed25519.</summary>
    public static string KeyType(byte[] blob)
    {
        if (blob.Length < 4)
        {
            return "";
        }

        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        return length is > 0 and <= 64 && length <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, length) : "";
    }

    private static (string? Marker, string Hosts, byte[] Key)? Parse(string line)
    {
        var fields = line.Trim().Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0].StartsWith('#'))
        {
            return null;
        }

        string? marker = null;
        if (fields[0].StartsWith('@'))
        {
            marker = fields[0];
            fields = fields[1..];
        }

        if (fields.Length < 3)
        {
            return null;
        }

        var key = new byte[fields[2].Length];
        return Convert.TryFromBase64String(fields[2], key, out var length)
            ? (marker, fields[0], key[..length])
            : null;
    }

    /// <summary>ssh's rule: some pattern matches and no negated one does.</summary>
    private static bool Matches(string patterns, string name)
    {
        if (patterns.StartsWith("|1|", StringComparison.Ordinal))
        {
            return HashedMatches(patterns, name);
        }

        var matched = false;
        foreach (var pattern in patterns.Split(','))
        {
            var negated = pattern.StartsWith('!');
            if (!Wildcard(negated ? pattern[1..] : pattern, name))
            {
                continue;
            }

            if (negated)
            {
                return false;
            }

            matched = true;
        }

        return matched;
    }

    /// <summary><c>|1|base64(salt)|base64(HMAC-SHA1(salt, name))</c>, as HashKnownHosts writes.</summary>
    private static bool HashedMatches(string field, string name)
    {
        var parts = field.Split('|');
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var hash = Convert.FromBase64String(parts[3]);
            return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name)), hash);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Wildcard(string pattern, string name) => WildcardAt(pattern, 0, name.ToLowerInvariant(), 0);

    private static bool WildcardAt(string pattern, int p, string name, int n)
    {
        while (p < pattern.Length)
        {
            var c = char.ToLowerInvariant(pattern[p]);
            if (c == '*')
            {
                // "**" is "*": collapsing runs keeps a hostile pattern from costing more than one pass per star.
                while (p + 1 < pattern.Length && pattern[p + 1] == '*')
                {
                    p++;
                }

                for (var rest = n; rest <= name.Length; rest++)
                {
                    if (WildcardAt(pattern, p + 1, name, rest))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (n >= name.Length || (c != '?' && c != name[n]))
            {
                return false;
            }

            p++;
            n++;
        }

        return n == name.Length;
    }
}
