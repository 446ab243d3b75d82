namespace SwarmPS.Engine;

/// <summary>
/// The one exception type the engine throws for anything an operator can cause or fix.
/// <see cref="ErrorId"/> is a stable PascalCase word that scripts and tests assert on;
/// <see cref="Remediation"/> says what to do next. Cmdlets turn it into an ErrorRecord in one place.
/// </summary>
public class SwarmException : Exception
{
    public SwarmException(
        string errorId,
        string message,
        string remediation,
        SwarmErrorCategory category = SwarmErrorCategory.InvalidArgument,
        object? target = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Remediation = remediation;
        Category = category;
        Target = target;
    }

    /// <summary>Stable identifier, e.g. <c>PeerDiscoveryTimeout</c>.</summary>
    public string ErrorId { get; }

    /// <summary>What the operator should do next, in one or two sentences.</summary>
    public string Remediation { get; }

    public SwarmErrorCategory Category { get; }

    /// <summary>The failing item (a file, an agent, a job), never the caller.</summary>
    public object? Target { get; }

    /// <summary>Whether the same call may be retried as it is (<see cref="ErrorRetry"/> holds the one table, by id).</summary>
    public bool RetrySafe => ErrorRetry.IsSafe(ErrorId);

    /// <summary>Problem and fix together, as an operator reads it in a log.</summary>
    public override string ToString() => $"{ErrorId}: {Message} Fix: {Remediation}";
}
