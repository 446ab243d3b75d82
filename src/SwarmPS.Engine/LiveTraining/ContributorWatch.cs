using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// The coordinator's view of one contributor while the run trains: its state, its last sign of life and the
/// longest silence, and the plan's clock on it. <see cref="Tick"/> applies the plan's thresholds: a silence past
/// the stale-worker threshold marks it stale for good (its contribution then needs a replay), one past the
/// contributor-loss grace marks it lost.
/// </summary>
public sealed class ContributorWatch(PlanContributor contributor)
{
    public PlanContributor Contributor => contributor;

    public ContributorState State { get; private set; } = ContributorState.Waiting;

    public long? Step { get; private set; }

    public double? Loss { get; private set; }

    public DateTimeOffset? LastSeen { get; private set; }

    public int Heartbeats { get; private set; }

    public TimeSpan LongestGap { get; private set; }

    public bool Stale { get; private set; }

    public string? Detail { get; private set; }

    public string? ManifestDigest { get; private set; }

    /// <summary>Contributed, refused, failed, lost or late: nothing more is waited for from it.</summary>
    public bool Settled => State is not (ContributorState.Waiting or ContributorState.Training);

    public void Admitted(DateTimeOffset now)
    {
        State = ContributorState.Training;
        LastSeen = now;
    }

    public void Refused(string reason) => Settle(ContributorState.Refused, reason);

    public void Heartbeat(DateTimeOffset now, long? step, double? loss)
    {
        if (State != ContributorState.Training)
        {
            return;
        }

        Seen(now);
        Heartbeats++;
        Step = step ?? Step;
        Loss = loss ?? Loss;
    }

    public void Contributed(DateTimeOffset now, string? manifestDigest)
    {
        if (State == ContributorState.Training)
        {
            Seen(now);
            ManifestDigest = manifestDigest;
            State = ContributorState.Contributed;
        }
    }

    public void Failed(string reason)
    {
        if (State == ContributorState.Training)
        {
            Settle(ContributorState.Failed, reason);
        }
    }

    /// <summary>Left out: the run would wait no longer for it.</summary>
    public void Late(string reason)
    {
        if (!Settled)
        {
            Settle(ContributorState.Late, reason);
        }
    }

    /// <summary>Applies the plan's thresholds at <paramref name="now"/>; returns what changed ("stale", "lost") or null.</summary>
    public string? Tick(DateTimeOffset now, TrainingPlan plan)
    {
        if (State != ContributorState.Training || LastSeen is not { } last)
        {
            return null;
        }

        var silence = now - last;
        LongestGap = silence > LongestGap ? silence : LongestGap;
        if (silence > plan.ContributorLossGrace)
        {
            Settle(ContributorState.Lost, $"no heartbeat for {silence.TotalMilliseconds:0} ms, past the contributor-loss grace of {plan.ContributorLossGrace.TotalMilliseconds:0} ms");
            return "lost";
        }

        if (silence > plan.StaleAfter && !Stale)
        {
            Stale = true;
            Detail = $"silent for {silence.TotalMilliseconds:0} ms, past the stale-worker threshold of {plan.StaleAfter.TotalMilliseconds:0} ms: its contribution needs a replay";
            return "stale";
        }

        return null;
    }

    public TrainingContributorStatus ToStatus(string runId, TrainingPhase phase, string? phaseDetail, ContributionVerdict? verdict) => new()
    {
        RunId = runId,
        Contributor = contributor.Id,
        Site = contributor.Site,
        Backend = contributor.Backend,
        State = State,
        Step = Step,
        Loss = Loss,
        LastHeartbeat = LastSeen,
        Heartbeats = Heartbeats,
        LongestGapMs = (long)LongestGap.TotalMilliseconds,
        Stale = Stale,
        Verdict = verdict?.Verdict,
        ReplayChecked = verdict?.ReplayChecked ?? false,
        Detail = verdict is { Verdict: not VerdictKind.Accepted } ? string.Join("; ", verdict.Reasons) : Detail,
        Phase = phase,
        PhaseDetail = phaseDetail,
    };

    private void Seen(DateTimeOffset now)
    {
        if (LastSeen is { } last && now - last > LongestGap)
        {
            LongestGap = now - last;
        }

        LastSeen = now;
    }

    private void Settle(ContributorState state, string reason)
    {
        State = state;
        Detail = reason;
    }
}
