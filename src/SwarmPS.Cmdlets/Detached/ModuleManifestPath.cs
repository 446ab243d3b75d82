namespace SwarmPS.Cmdlets;

/// <summary>
/// The manifest a re-launched pwsh must import (detached exchanges and sites). PowerShell may report the
/// module's path as the manifest or as the root binary (bin/SwarmPS.Cmdlets.dll); importing the bare dll
/// would skip the format views, so a dll is mapped to the SwarmPS.psd1 one level up.
/// </summary>
public static class ModuleManifestPath
{
    public static string For(string modulePath)
    {
        if (!modulePath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return modulePath;
        }

        var manifest = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(modulePath)!, "..", "SwarmPS.psd1"));
        return File.Exists(manifest) ? manifest : modulePath;
    }
}
