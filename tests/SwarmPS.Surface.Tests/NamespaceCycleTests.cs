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
