namespace SwarmPS.Engine.Ledger;

/// <summary>The lowercase words a status is stored and written as, and their parsing.</summary>
public static class RunStatusNames
{
    public static IReadOnlyList<string> All { get; } =
        Enum.GetValues<RunStatus>().Select(ToName).ToArray();

    /// <summary>The statuses that end a run (promoted to the ledger, never changed again), in declaration order.</summary>
    public static IReadOnlyList<RunStatus> Terminal { get; } =
        Enum.GetValues<RunStatus>().Where(IsTerminal).ToArray();

    public static string ToName(this RunStatus status) => status.ToString().ToLowerInvariant();

    public static bool IsTerminal(this RunStatus status) => status >= RunStatus.Complete;

    public static bool TryParse(string? text, out RunStatus status)
    {
        status = default;
        return text is not null
            && !int.TryParse(text, out _)
            && Enum.TryParse(text.Trim(), ignoreCase: true, out status)
            && Enum.IsDefined(status);
    }

    /// <summary>Parses a status word or throws <c>RunStatusInvalid</c> listing the valid ones.</summary>
    public static RunStatus Parse(string? text)
    {
        if (TryParse(text, out var status))
        {
            return status;
        }

        throw new SwarmException(
            "RunStatusInvalid",
            $"'{text}' is not a run status.",
            $"Use one of: {string.Join(", ", All)}.",
            SwarmErrorCategory.InvalidArgument,
            text);
    }
}
