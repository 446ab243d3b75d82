using System.Text.RegularExpressions;
using SwarmPS.Surface.Tests.Surface;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// No two engine namespaces need each other (DESIGN.md "Naming"; the allowed uses are the table in
/// docs/architecture.md). Read from the built SwarmPS.Engine.dll's metadata and IL, so a use inside a
/// method body counts and a stale `using` does not.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static string EngineAssembly => Path.Combine(SurfaceLocations.ModuleDependencies, "SwarmPS.Engine.dll");

    [Fact]
    public void No_engine_namespace_uses_itself_through_another()
    {
        var uses = NamespaceGraph.Read(EngineAssembly, "SwarmPS.Engine");

        Assert.True(uses.Count >= 10, $"expected the engine's namespaces, read {string.Join(", ", uses.Keys)}");
        var cycles = NamespaceCycles.Find(uses);
        Assert.True(cycles.Count == 0, "Engine namespaces that use each other (break one use of each): " + string.Join("; ", cycles));
    }

    [Fact]
    public void Every_use_goes_down_the_layers_docs_architecture_md_draws()
    {
        var layers = DocumentedLayers();
        var uses = NamespaceGraph.Read(EngineAssembly, "SwarmPS.Engine");

        Assert.True(layers.Count >= 10, $"read only {layers.Count} layers from docs/architecture.md");
        var problems = LayerViolations(uses, layers);
        Assert.True(problems.Count == 0, "Uses that docs/architecture.md (\"Which namespace may use which\") does not allow: " + string.Join("; ", problems));
    }

    [Fact]
    public void The_layer_check_names_a_use_that_goes_up_and_a_namespace_missing_from_the_table()
    {
        var layers = new Dictionary<string, int> { ["Files"] = 0, ["Sites"] = 2, ["Launch"] = 5 };
        var uses = Graph(("Launch", "Sites"), ("Sites", "Files"), ("Sites", "Launch"), ("Training", "Files"));

        Assert.Equal(new[] { "Sites (layer 2) uses Launch (layer 5)", "Training is not in the table" }, LayerViolations(uses, layers));
    }

    /// <summary>Each use must go to a strictly lower layer; every namespace must have one.</summary>
    private static List<string> LayerViolations(IReadOnlyDictionary<string, IReadOnlySet<string>> uses, IReadOnlyDictionary<string, int> layers)
    {
        var problems = new List<string>();
        foreach (var (from, targets) in uses.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            if (!layers.TryGetValue(from, out var layer))
            {
                problems.Add($"{from} is not in the table");
                continue;
            }

            problems.AddRange(targets
                .Where(to => !layers.TryGetValue(to, out var other) || other >= layer)
                .OrderBy(to => to, StringComparer.Ordinal)
                .Select(to => layers.TryGetValue(to, out var other) ? $"{from} (layer {layer}) uses {to} (layer {other})" : $"{from} uses {to}, which is not in the table"));
        }

        return problems;
    }

    /// <summary>The table rows "| `Name` | layer | uses now |" of docs/architecture.md.</summary>
    private static Dictionary<string, int> DocumentedLayers() =>
        File.ReadLines(Path.Combine(SurfaceLocations.RepoRoot, "docs", "architecture.md"))
            .Select(line => Regex.Match(line, @"^\| `(?<name>[A-Z][A-Za-z]+)` \| (?<layer>\d+) \|"))
            .Where(match => match.Success)
            .ToDictionary(match => match.Groups["name"].Value, match => int.Parse(match.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void The_cycle_finder_names_a_planted_cycle_and_nothing_that_is_not_on_one()
    {
        var uses = Graph(("A", "B"), ("B", "C"), ("C", "A"), ("D", "A"), ("C", "E"), ("E", "F"), ("G", "G2"), ("G2", "G"));

        Assert.Equal(new[] { "A -> B -> C -> A", "G -> G2 -> G" }, NamespaceCycles.Find(uses));
        Assert.Empty(NamespaceCycles.Find(Graph(("A", "B"), ("B", "C"), ("A", "C"), ("D", "A"))));
    }

    [Fact]
    public void The_reader_finds_uses_inside_method_bodies_and_fields()
    {
        var uses = NamespaceGraph.Read(SurfaceLocations.SamplesAssembly, "SwarmPS.Surface.Samples.Cycle");

        Assert.Equal(new[] { "Pong" }, uses["Ping"]);
        Assert.Equal(new[] { "Ping" }, uses["Pong"]);
        Assert.Equal(new[] { "Ping" }, uses["Leaf"]);
        Assert.Equal(new[] { "Ping -> Pong -> Ping" }, NamespaceCycles.Find(uses));
    }

    private static IReadOnlyDictionary<string, IReadOnlySet<string>> Graph(params (string From, string To)[] edges) =>
        edges.GroupBy(edge => edge.From).ToDictionary(group => group.Key, group => (IReadOnlySet<string>)group.Select(edge => edge.To).ToHashSet());
}
