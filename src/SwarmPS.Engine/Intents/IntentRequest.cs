namespace SwarmPS.Engine.Intents;

/// <summary>What the user says about a campaign when saving its intent (Save-SwarmIntent's parameters).</summary>
public sealed record IntentRequest
{
    public required string Name { get; init; }

    public required string Goal { get; init; }

    public string? TaskKind { get; init; }

    /// <summary>What generated the task set; New-SwarmTaskSet when not named.</summary>
    public string Generator { get; init; } = DefaultGenerator;

    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Budgets as text, "500 core-hours" (<see cref="IntentBudget.Parse"/>).</summary>
    public IReadOnlyList<string> Budget { get; init; } = [];

    public IReadOnlyList<string> AbortWhen { get; init; } = [];

    public string? Site { get; init; }

    public string? Notes { get; init; }

    public const string DefaultGenerator = "New-SwarmTaskSet";
}
