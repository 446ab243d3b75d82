using System.Management.Automation;

namespace SwarmPS.Cmdlets;

/// <summary>How the file cmdlets (Get-SwarmAdapter, Merge-SwarmContribution) turn a -Path into files.</summary>
internal static class FilePaths
{
    // A file that exists is read as named, even with '[' or '*' in its name. Otherwise a pattern
    // (adapters/*.safetensors) names every file it matches, as Get-Item does; a pattern that matches
    // nothing, like a plain path to no file, goes to the engine as it is, which refuses it by name
    // (SafetensorsFileNotFound). Relative paths follow the PowerShell location, not the process directory.
    public static IEnumerable<string> Resolve(PSCmdlet cmdlet, string path)
    {
        var literal = cmdlet.GetUnresolvedProviderPathFromPSPath(path);
        if (File.Exists(literal) || !WildcardPattern.ContainsWildcardCharacters(path))
        {
            return new[] { literal };
        }

        try
        {
            var matches = cmdlet.GetResolvedProviderPathFromPSPath(path, out _);
            return matches.Count > 0 ? matches : new[] { literal };
        }
        catch (ItemNotFoundException)
        {
            return new[] { literal };
        }
    }
}
