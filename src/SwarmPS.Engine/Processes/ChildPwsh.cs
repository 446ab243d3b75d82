namespace SwarmPS.Engine.Processes;

/// <summary>
/// What a detached child that runs in pwsh needs from the caller's PowerShell: its pwsh, from $PSHOME
/// (never the running process's path, which is `dotnet` when pwsh runs as a dotnet tool), and the
/// module the caller imported. The command line itself is written in the cmdlet layer, beside the
/// cmdlets and parameters it names.
/// </summary>
public static class ChildPwsh
{
    /// <summary>$PSHOME/pwsh (pwsh.exe on Windows), checked to be an executable file.</summary>
    public static string In(string psHome)
    {
        var path = Path.Combine(psHome, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        if (ProgramLookup.Resolve(path, psHome, null) is { } found)
        {
            return found;
        }

        throw new SwarmException(
            "PwshNotFound",
            $"'{path}' does not exist or is not executable; a detached site or exchange runs in its own pwsh.",
            "Install PowerShell 7 with its pwsh executable (a package or archive install), or run it in this session instead (Start-SwarmSite without -Detach, Start-SwarmExchange -Foreground, in tmux or a batch job).",
            SwarmErrorCategory.NotInstalled,
            path);
    }

    /// <summary>The path PowerShell reports for the module the command came from; a detached child imports it again.</summary>
    public static string ModuleOf(string? modulePath) =>
        !string.IsNullOrEmpty(modulePath)
            ? modulePath
            : throw new SwarmException(
                "SwarmModuleNotImported",
                "A detached site or exchange imports SwarmPS again in its own pwsh, and this command did not come from an imported SwarmPS module.",
                "Import the module first (Import-Module SwarmPS, or Import-Module ./SwarmPS.psd1 from a clone) and run the command again.",
                SwarmErrorCategory.InvalidOperation);
}
