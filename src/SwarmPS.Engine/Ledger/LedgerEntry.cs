namespace SwarmPS.Engine.Ledger;

/// <summary>One run as the committed ledger holds it (<c>.swarm/ledger/&lt;id&gt;.json</c>), from any machine.</summary>
public sealed record LedgerEntry : RunRecord
{
    public required int SchemaVersion { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Repository-relative path of the file, e.g. <c>.swarm/ledger/&lt;id&gt;.json</c>.</summary>
    public required string File { get; init; }
}
