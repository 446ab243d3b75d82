using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmAdapter: reads safetensors adapter files (header, digest, tensors, LoRA layout) without loading their data.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAdapter")]
[OutputType(typeof(Adapter))]
public sealed class GetSwarmAdapterCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var path in Path)
        {
            foreach (var file in Resolve(path))
            {
                RunForItem(() =>
                {
                    var adapter = Adapter.Read(file);
                    foreach (var problem in adapter.LoraProblems)
                    {
                        WriteWarning($"{System.IO.Path.GetFileName(adapter.Path)}: LoRA module '{problem.Module}' ({problem.Kind}): {problem.Detail}");
                    }

                    WriteObject(adapter);
                });
            }
        }
    });

    // A file that exists is read as named, even with '[' or '*' in its name. Otherwise a pattern
    // (adapters/*.safetensors) names every file it matches, as Get-Item does; a pattern that matches
    // nothing, like a plain path to no file, goes to the engine as it is, which refuses it by name
    // (SafetensorsFileNotFound). Relative paths follow the PowerShell location, not the process directory.
    private IEnumerable<string> Resolve(string path)
    {
        var literal = GetUnresolvedProviderPathFromPSPath(path);
        if (File.Exists(literal) || !WildcardPattern.ContainsWildcardCharacters(path))
        {
            return new[] { literal };
        }

        try
        {
            var matches = GetResolvedProviderPathFromPSPath(path, out _);
            return matches.Count > 0 ? matches : new[] { literal };
        }
        catch (ItemNotFoundException)
        {
            return new[] { literal };
        }
    }
}
