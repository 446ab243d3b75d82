namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Finds the exchange token. It comes from an environment variable or from a file only its owner can
/// read, never from a command-line argument (argv is world-readable in /proc). Errors name the variable
/// or file, never the token.
/// </summary>
public static class ExchangeToken
{
    public const string DefaultVariable = "SWARM_EXCHANGE_TOKEN";

    /// <summary>The token from <paramref name="variable"/> (default SWARM_EXCHANGE_TOKEN), or from <paramref name="file"/> when given.</summary>
    public static string Resolve(string? variable, string? file)
    {
        if (!string.IsNullOrEmpty(file))
        {
            return ReadFile(file);
        }

        var name = string.IsNullOrEmpty(variable) ? DefaultVariable : variable;
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new SwarmException(
                "ExchangeTokenMissing",
                $"The environment variable '{name}' holding the exchange token is not set.",
                $"Set it to a long random secret first, e.g. in bash: export {name}=$(openssl rand -hex 32); in pwsh: $env:{name} = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)).",
                SwarmErrorCategory.InvalidArgument,
                name);
        }

        return value.Trim();
    }

    /// <summary>Reads a token file after checking that group and others cannot read it.</summary>
    public static string ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new SwarmException(
                "ExchangeTokenMissing",
                $"The exchange token file '{path}' does not exist.",
                "Create it with the token on one line and mode 600 (chmod 600 <file>), or use an environment variable instead.",
                SwarmErrorCategory.ObjectNotFound,
                path);
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            var exposed = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            if ((mode & exposed) != 0)
            {
                throw new SwarmException(
                    "ExchangeTokenFileExposed",
                    $"The exchange token file '{path}' can be read or written by other users (mode {Convert.ToString((int)mode, 8)}).",
                    $"Restrict it to its owner: chmod 600 '{path}'; then rotate the token, since others could have read it.",
                    SwarmErrorCategory.PermissionDenied,
                    path);
            }
        }

        var token = File.ReadAllText(path).Trim();
        if (token.Length == 0)
        {
            throw new SwarmException(
                "ExchangeTokenMissing",
                $"The exchange token file '{path}' is empty.",
                "Write the token into it on one line.",
                SwarmErrorCategory.InvalidData,
                path);
        }

        return token;
    }
}
