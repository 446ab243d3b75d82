using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// The names a Grid Engine site gives its resources (complexes): which one requests memory per slot and
/// which one, if any, counts GPUs. SLURM (--mem, --gres=gpu) and PBS (mem, ngpus) name theirs the same
/// everywhere; Grid Engine's are whatever the administrator defined (qconf -sc lists them).
/// </summary>
public sealed partial record SiteSchedulerResources
{
    /// <summary>Grid Engine's stock per-slot virtual memory limit, used when the profile names no other.</summary>
    public const string DefaultMemoryComplex = "h_vmem";

    /// <summary>The complex -Memory is requested as (-l &lt;name&gt;=&lt;MiB&gt;M).</summary>
    public string MemoryComplex { get; init; } = DefaultMemoryComplex;

    /// <summary>The consumable complex -Gpus is requested as (-l &lt;name&gt;=&lt;n&gt;); null: the site has none and GPU plans are refused.</summary>
    public string? GpuComplex { get; init; }

    /// <summary>What a complex name may be: letters, digits, '_', '.', '-', starting with a letter or '_' (no '=' or ',' that would split a -l list).</summary>
    public static bool IsValidComplexName(string name) => ComplexNamePattern().IsMatch(name);

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex ComplexNamePattern();
}
