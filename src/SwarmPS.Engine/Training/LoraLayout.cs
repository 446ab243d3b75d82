using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The LoRA structure of an adapter, found from its tensor names alone: every
/// <c>&lt;module&gt;.lora_A</c> / <c>&lt;module&gt;.lora_B</c> pair (with or without the <c>.weight</c> suffix PEFT
/// writes), each module's rank and feature sizes, and the tensors that do not pair up. Tensors of other
/// names (a saved <c>modules_to_save</c> head, embeddings) are not LoRA and are left out, not reported.
/// </summary>
public sealed partial class LoraLayout
{
    private LoraLayout(IReadOnlyList<LoraModule> modules, IReadOnlyList<LoraProblem> problems)
    {
        Modules = modules;
        Problems = problems;
        var ranks = modules.Select(m => m.Rank).Distinct().ToArray();
        Rank = ranks.Length == 1 ? ranks[0] : null;
    }

    /// <summary>The paired modules, by name (ordinal).</summary>
    public IReadOnlyList<LoraModule> Modules { get; }

    /// <summary>Unpaired, rank-mismatched or non-matrix LoRA tensors, by module name.</summary>
    public IReadOnlyList<LoraProblem> Problems { get; }

    /// <summary>
    /// The rank every module shares; null when there are no modules or their ranks differ (PEFT's
    /// <c>rank_pattern</c> gives modules ranks of their own: each module's is on <see cref="Modules"/>).
    /// </summary>
    public long? Rank { get; }

    public static LoraLayout Find(IEnumerable<TensorDescriptor> tensors)
    {
        var a = new Dictionary<string, TensorDescriptor>(StringComparer.Ordinal);
        var b = new Dictionary<string, TensorDescriptor>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            var match = LoraName().Match(tensor.Name);
            if (match.Success)
            {
                (match.Groups["side"].Value == "A" ? a : b)[match.Groups["module"].Value] = tensor;
            }
        }

        var modules = new List<LoraModule>();
        var problems = new List<LoraProblem>();
        foreach (var module in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            a.TryGetValue(module, out var down);
            b.TryGetValue(module, out var up);
            if (down is null || up is null)
            {
                var present = (down ?? up)!;
                problems.Add(new LoraProblem(module, LoraProblemKind.Unpaired,
                    $"{present.Name} {present.ShapeText} has no {(down is null ? "lora_A" : "lora_B")} beside it."));
            }
            else if (down.Shape.Count < 2 || up.Shape.Count < 2)
            {
                problems.Add(new LoraProblem(module, LoraProblemKind.NotMatrix,
                    $"{down.Name} {down.ShapeText} and {up.Name} {up.ShapeText}: a LoRA factor has at least two dimensions."));
            }
            else if (down.Shape[0] != up.Shape[1])
            {
                problems.Add(new LoraProblem(module, LoraProblemKind.RankMismatch,
                    $"{down.Name} {down.ShapeText} has rank {down.Shape[0]} but {up.Name} {up.ShapeText} has rank {up.Shape[1]}."));
            }
            else
            {
                modules.Add(new LoraModule(module, down.Shape[0], down.Shape[1], up.Shape[0], down.Name, up.Name));
            }
        }

        return new LoraLayout(modules, problems);
    }

    [GeneratedRegex(@"^(?<module>.+)\.lora_(?<side>A|B)(?:\.weight)?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LoraName();
}
