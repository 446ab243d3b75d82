namespace SwarmPS.Engine.Sites;

public sealed class SiteCatalog { public static SiteCatalog Default { get; } = new(); public IReadOnlyList<string> Names => new[] { "local" }; }
