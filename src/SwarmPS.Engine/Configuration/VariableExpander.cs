using System.Text;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Expands <c>${VAR}</c> and <c>${VAR:-default}</c> from the environment, the way a POSIX shell does:
/// the default applies when the variable is unset or empty, and may itself hold references
/// (<c>${ALCF_SSH_USER:-${ALCF_USER}}</c>). <c>$${</c> writes a literal <c>${</c>. An unset variable
/// without a default is an error that names it. A lone <c>$</c> is left alone, so `$HOME`-style text
/// meant for the far side passes through.
/// </summary>
public sealed class VariableExpander
{
    private readonly Func<string, string?> _lookup;

    public VariableExpander(Func<string, string?> lookup)
    {
        _lookup = lookup;
    }

    public static VariableExpander FromProcessEnvironment() => new(Environment.GetEnvironmentVariable);

    public string Expand(string text, SourceLocation location)
    {
        var position = 0;
        return ExpandUntil(text, ref position, location, insideDefault: false, evaluate: true);
    }

    // evaluate=false walks a default that is not needed (its variable is set) without looking anything
    // up, so ${A:-${B}} works when A is set and B is not, as in a shell.
    private string ExpandUntil(string text, ref int position, SourceLocation location, bool insideDefault, bool evaluate)
    {
        var output = new StringBuilder();
        while (position < text.Length)
        {
            var c = text[position];
            if (insideDefault && c == '}')
            {
                return output.ToString();
            }

            if (c == '$' && At(text, position + 1, "${"))
            {
                output.Append("${");
                position += 3;
            }
            else if (c == '$' && At(text, position + 1, "{"))
            {
                position += 2;
                output.Append(ExpandReference(text, ref position, location, evaluate));
            }
            else
            {
                output.Append(c);
                position++;
            }
        }

        if (insideDefault)
        {
            throw Unclosed(location, text);
        }

        return output.ToString();
    }

    private string ExpandReference(string text, ref int position, SourceLocation location, bool evaluate)
    {
        var nameStart = position;
        while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '_'))
        {
            position++;
        }

        var name = text[nameStart..position];
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            throw new ConfigException(
                "ConfigVariableInvalid", location, $"'${{{name}' is not a valid variable reference in '{text}'.",
                "Use ${NAME} or ${NAME:-default} with a name of letters, digits and '_' (or write $${ for a literal '${').");
        }

        var value = evaluate ? _lookup(name) : "";
        var needDefault = evaluate && string.IsNullOrEmpty(value);
        string? fallback = null;
        if (At(text, position, ":-"))
        {
            position += 2;
            fallback = ExpandUntil(text, ref position, location, insideDefault: true, evaluate: needDefault);
        }

        if (!At(text, position, "}"))
        {
            throw Unclosed(location, text);
        }

        position++;
        if (!needDefault)
        {
            return value ?? "";
        }

        return fallback ?? throw new ConfigException(
            "ConfigVariableUnset", location, $"The environment variable '{name}' is not set, and '${{{name}}}' has no default.",
            $"Set it before loading (export {name}=... or $env:{name} = '...'), or give a default: ${{{name}:-value}}.");
    }

    private static ConfigException Unclosed(SourceLocation location, string text) => new(
        "ConfigVariableInvalid", location, $"A '${{' in '{text}' is not closed by '}}'.",
        "Close the reference: ${NAME} or ${NAME:-default}.");

    private static bool At(string text, int position, string expected) =>
        position + expected.Length <= text.Length && string.CompareOrdinal(text, position, expected, 0, expected.Length) == 0;
}
