namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// The cycles of a "uses" graph: every group of namespaces that use each other, directly or through
/// others (a strongly connected component of more than one node), each named by one closed path through
/// it, "Exchange -> Launch -> Exchange", so a failure says which uses to break.
/// </summary>
public static class NamespaceCycles
{
    public static IReadOnlyList<string> Find(IReadOnlyDictionary<string, IReadOnlySet<string>> uses)
    {
        var cycles = new List<string>();
        foreach (var component in Components(uses).Where(component => component.Count > 1))
        {
            var start = component.Min(StringComparer.Ordinal)!;
            cycles.Add(string.Join(" -> ", ShortestLoop(uses, start, component)));
        }

        return cycles.OrderBy(cycle => cycle, StringComparer.Ordinal).ToList();
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<HashSet<string>> Components(IReadOnlyDictionary<string, IReadOnlySet<string>> uses)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<HashSet<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in Next(uses, node))
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new HashSet<string>(StringComparer.Ordinal);
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (var node in uses.Keys.OrderBy(key => key, StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components;
    }

    /// <summary>The shortest path from <paramref name="start"/> back to itself inside its component (breadth first).</summary>
    private static List<string> ShortestLoop(IReadOnlyDictionary<string, IReadOnlySet<string>> uses, string start, HashSet<string> component)
    {
        var cameFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var next in Next(uses, node).Where(component.Contains))
            {
                if (next == start)
                {
                    var path = new List<string> { start };
                    for (var step = node; step != start; step = cameFrom[step])
                    {
                        path.Add(step);
                    }

                    path.Add(start);
                    path.Reverse();
                    return path;
                }

                if (cameFrom.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        throw new InvalidOperationException($"{start} is in a component but on no loop");
    }

    private static IEnumerable<string> Next(IReadOnlyDictionary<string, IReadOnlySet<string>> uses, string node) =>
        uses.TryGetValue(node, out var next) ? next.OrderBy(name => name, StringComparer.Ordinal) : Enumerable.Empty<string>();
}
