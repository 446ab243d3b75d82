namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The rule every status change obeys. Live states may move to any state (a scheduler may requeue a
/// run); a terminal state is final, because its ledger entry may already be committed on another
/// machine. Setting the status a run already has is allowed and changes nothing.
/// </summary>
public static class RunStatusTransition
{
    public static void EnsureAllowed(string runId, RunStatus current, RunStatus next)
    {
        if (current.IsTerminal() && next != current)
        {
            throw new SwarmException(
                "RunStatusTerminal",
                $"Run {runId} is already {current.ToName()}; it cannot become {next.ToName()}.",
                "A terminal run is final. Create a new run (change a statepoint parameter such as 'attempt') to run it again.",
                SwarmErrorCategory.InvalidOperation,
                runId);
        }
    }
}
