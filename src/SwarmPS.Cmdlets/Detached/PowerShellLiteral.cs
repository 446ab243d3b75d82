namespace SwarmPS.Cmdlets;

/// <summary>
/// PowerShell single-quoted string literals, for the command lines SwarmPS builds to re-launch pwsh
/// (detached exchanges and sites): nothing inside is expanded, and a quote is written twice.
/// </summary>
public static class PowerShellLiteral
{
    public static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
