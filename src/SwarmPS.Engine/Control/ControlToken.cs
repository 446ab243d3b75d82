using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Control;

/// <summary>
/// A namespace's control token (docs/control-protocol.md "The control token"): from SWARM_CONTROL_TOKEN, else the
/// file SWARM_CONTROL_TOKEN_FILE names, else $XDG_CONFIG_HOME/swarmps/control/&lt;namespace&gt;.token. It never
/// travels: it is the HMAC-SHA256 key that seals commands and replies, and a MAC is compared in constant time.
/// A token file must be the owner's alone, as an ssh key must.
/// </summary>
public sealed class ControlToken
{
    public const string Variable = AgentEnvironment.ControlTokenVariable;

    public const string FileVariable = "SWARM_CONTROL_TOKEN_FILE";

    public const int MinimumLength = 16;

    private const int MaxFileBytes = 4096;

    private readonly byte[] _key;

    private ControlToken(byte[] key, string source)
    {
        _key = key;
        Source = source;
    }

    /// <summary>Where it came from (the variable or the file), for messages; never the token.</summary>
    public string Source { get; }

    /// <summary>The default token file of a namespace.</summary>
    public static string DefaultFile(string nameSpace, Func<string, string?>? environment = null) =>
        Path.Combine(UserDirectories.Config(environment), "control", nameSpace + ".token");

    public static ControlToken Read(string nameSpace, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment(Variable) is { Length: > 0 } text)
        {
            return Of(text.Trim(), Variable, nameSpace);
        }

        var file = environment(FileVariable) is { Length: > 0 } named ? named : DefaultFile(nameSpace, environment);
        return Of(ReadFile(file, nameSpace), file, nameSpace);
    }

    /// <summary>The lowercase hex HMAC-SHA256 of <paramref name="payload"/>'s UTF-8 bytes.</summary>
    public string Mac(string payload) => Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload))).ToLowerInvariant();

    /// <summary>True when <paramref name="mac"/> is this token's MAC of <paramref name="payload"/>; constant time in the MAC's content.</summary>
    public bool Verifies(string payload, string? mac)
    {
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload), expected);
        Span<byte> presented = stackalloc byte[32];
        var wellFormed = mac is { Length: 64 } && TryReadHex(mac, presented);
        // Compared even when malformed, so a malformed MAC costs the same as a wrong one.
        return CryptographicOperations.FixedTimeEquals(expected, presented) && wellFormed;
    }

    public override string ToString() => $"control token from {Source}";

    private static bool IsRegularFile(string file)
    {
        try
        {
            return BoundedFileRead.IsRegularFile(file, followLinks: true);
        }
        catch (FileRefusedException)
        {
            return false;
        }
    }

    private static bool TryReadHex(string hex, Span<byte> into)
    {
        for (var i = 0; i < into.Length; i++)
        {
            if (!byte.TryParse(hex.AsSpan(2 * i, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out into[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static ControlToken Of(string token, string source, string nameSpace)
    {
        if (token.Length < MinimumLength)
        {
            throw new SwarmException(
                "ControlTokenInvalid",
                $"The control token from {source} has {token.Length} characters; a control token needs at least {MinimumLength}.",
                $"Make a long random one: umask 077; openssl rand -hex 32 > {DefaultFile(nameSpace)}",
                SwarmErrorCategory.InvalidArgument,
                source);
        }

        return new ControlToken(Encoding.UTF8.GetBytes(token), source);
    }

    private static string ReadFile(string file, string nameSpace)
    {
        // File.Exists is false for a directory: that is refused below as not a regular file, not reported missing.
        if (!File.Exists(file) && !Directory.Exists(file))
        {
            throw new SwarmException(
                "ControlTokenMissing",
                $"No control token for namespace '{nameSpace}': {Variable} is not set and the token file '{file}' does not exist.",
                $"Set {Variable} (environment only), or create the file readable by you alone: umask 077; mkdir -p {Path.GetDirectoryName(file)}; openssl rand -hex 32 > {file}. Use the same token where the agent manager runs.",
                SwarmErrorCategory.ObjectNotFound,
                file);
        }

        if (!IsRegularFile(file))
        {
            throw new SwarmException(
                "ControlTokenFileUnreadable",
                $"The control token file '{file}' is not a regular file (a device, FIFO or directory), so it is not read.",
                "Point SWARM_CONTROL_TOKEN_FILE at a regular file holding only the token, readable by you alone (chmod 600).",
                SwarmErrorCategory.InvalidData,
                file);
        }

        if (OwnerOnly.IsOpenToOthers(file, out var mode))
        {
            throw new SwarmException(
                "ControlTokenFileUnsafe",
                $"The control token file '{file}' can be read or written by others (mode {Convert.ToString((int)mode, 8)}), so it is not used: whoever reads it can start and stop your agents.",
                $"Make it yours alone: chmod 600 {file}; if others may have read it, make a new token.",
                SwarmErrorCategory.PermissionDenied,
                file);
        }

        try
        {
            var text = BoundedFileRead.ReadAllText(file, MaxFileBytes, followLinks: true)
                ?? throw new IOException("it disappeared while it was read");
            return text.Trim();
        }
        catch (Exception error) when (error is FileRefusedException or IOException or UnauthorizedAccessException)
        {
            throw new SwarmException(
                "ControlTokenFileUnreadable",
                $"The control token file '{file}' cannot be read: {error.Message}",
                $"Make it a regular file of under {MaxFileBytes} bytes holding only the token, readable by you (chmod 600).",
                SwarmErrorCategory.InvalidData,
                file);
        }
    }
}
