using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// The namespace that isolates operators sharing one exchange (docs/control-protocol.md "Namespaces"): every
/// agent gets it as SWARM_NAMESPACE, control mailbox ids are derived from it, and control never crosses it.
/// Short and plain, because it becomes part of a run id (<c>control.&lt;namespace&gt;</c>) and of file names.
/// </summary>
public static partial class SwarmNamespace
{
    public const string Variable = "SWARM_NAMESPACE";

    public const string Default = "default";

    public const string Pattern = "^[a-z0-9][a-z0-9-]{0,30}$";

    /// <summary>The namespace given, else SWARM_NAMESPACE, else "default"; always valid or refused.</summary>
    public static string Resolve(string? given, Func<string, string?>? environment = null)
    {
        var name = string.IsNullOrEmpty(given) ? (environment ?? Environment.GetEnvironmentVariable)(Variable) : given;
        return Validate(string.IsNullOrEmpty(name) ? Default : name, fromEnvironment: string.IsNullOrEmpty(given));
    }

    public static bool IsValid(string? name) => name is not null && Shape().IsMatch(name);

    /// <summary>The run id every control mailbox of the namespace is registered under.</summary>
    public static string ControlRunId(string name) => "control." + Validate(name);

    public static string Validate(string name, bool fromEnvironment = false)
    {
        if (IsValid(name))
        {
            return name;
        }

        throw new SwarmException(
            "NamespaceInvalid",
            $"Namespace '{name}'{(fromEnvironment ? $" (from {Variable})" : "")} is not valid: it must be 1 to 31 characters of lowercase letters, digits or '-', starting with a letter or digit.",
            $"Pass a namespace such as 'default' or 'team-a' (-Namespace, or {Variable}).",
            SwarmErrorCategory.InvalidArgument,
            name);
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
