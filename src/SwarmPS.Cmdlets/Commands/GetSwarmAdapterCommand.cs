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
            foreach (var file in FilePaths.Resolve(this, path))
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
}
