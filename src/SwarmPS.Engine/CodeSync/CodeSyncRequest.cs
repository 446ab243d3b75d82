namespace SwarmPS.Engine.CodeSync;

/// <summary>What Sync-SwarmCode was asked: which folder, to which site, under which name, how.</summary>
public sealed record CodeSyncRequest
{
    public required Sites.SiteProfile Site { get; init; }

    /// <summary>The experiment's folder (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>Globs left out on top of .gitignore (see <see cref="CodeExcludePattern"/>).</summary>
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();

    /// <summary>The folder name under &lt;runRoot&gt;/code/; null: the code folder's own name.</summary>
    public string? Name { get; init; }

    /// <summary>Ship even when the site already holds this tree.</summary>
    public bool Force { get; init; }

    /// <summary>"auto" (rsync when both ends have it, else tar), "rsync" or "tar"; local sites always copy locally.</summary>
    public string Transport { get; init; } = CodeTransport.Auto;
}

/// <summary>The transports, as the strings Sync-SwarmCode takes and reports.</summary>
public static class CodeTransport
{
    public const string Auto = "auto";
    public const string Rsync = "rsync";
    public const string Tar = "tar";
    public const string Local = "local";
}
