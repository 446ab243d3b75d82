using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// The coordinator's watch on one contributor, driven with explicit times against the plan's thresholds
/// (stale after 5 s of silence, lost after 7.5 s): it moves Waiting → Training → settled, counts heartbeats and
/// the longest silence, reports "stale" once and "lost" once, and ignores what arrives in the wrong state.
/// </summary>
public sealed class ContributorWatchTests
{
    private static readonly TrainingPlan Plan = LivePlans.Sound();
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ContributorWatch Watch() => new(Plan.Contributors[0]);

    private static ContributorWatch Training()
    {
        var watch = Watch();
        watch.Admitted(T0);
        return watch;
    }

    [Fact]
    public void The_plan_has_the_thresholds_these_tests_count_on()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Plan.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(7.5), Plan.ContributorLossGrace);
    }

    [Fact]
    public void A_new_watch_waits_and_nothing_but_an_admission_moves_it_to_training()
    {
        var watch = Watch();
        Assert.Equal((ContributorState.Waiting, false, null), (watch.State, watch.Settled, watch.LastSeen));

        watch.Heartbeat(T0, 5, 2.0);
        watch.Contributed(T0, "sha256:x");
        watch.Failed("early");
        Assert.Null(watch.Tick(T0.AddHours(1), Plan));

        Assert.Equal(ContributorState.Waiting, watch.State);
        Assert.Equal((0, (long?)null, (double?)null, (DateTimeOffset?)null, (string?)null), (watch.Heartbeats, watch.Step, watch.Loss, watch.LastSeen, watch.ManifestDigest));
        Assert.Equal(TimeSpan.Zero, watch.LongestGap);

        watch.Admitted(T0);
        Assert.Equal((ContributorState.Training, false, (DateTimeOffset?)T0), (watch.State, watch.Settled, watch.LastSeen));
    }

    [Fact]
    public void Heartbeats_carry_step_and_loss_and_the_longest_gap_between_signs_of_life()
    {
        var watch = Training();

        watch.Heartbeat(T0.AddSeconds(1), 5, 2.5);
        watch.Heartbeat(T0.AddSeconds(4), 9, null);
        watch.Heartbeat(T0.AddSeconds(5), null, 1.25);

        Assert.Equal(3, watch.Heartbeats);
        Assert.Equal((9L, 1.25), (watch.Step, watch.Loss));
        Assert.Equal(T0.AddSeconds(5), watch.LastSeen);
        Assert.Equal(TimeSpan.FromSeconds(3), watch.LongestGap);
        Assert.False(watch.Stale);
    }

    [Fact]
    public void Silence_past_the_stale_threshold_marks_it_stale_once_and_for_good()
    {
        var watch = Training();

        Assert.Null(watch.Tick(T0 + Plan.StaleAfter, Plan)); // at the threshold, not past it
        Assert.Equal("stale", watch.Tick(T0 + Plan.StaleAfter + TimeSpan.FromMilliseconds(1), Plan));
        Assert.True(watch.Stale);
        Assert.Contains("5000 ms", watch.Detail, StringComparison.Ordinal);
        Assert.Null(watch.Tick(T0 + Plan.StaleAfter + TimeSpan.FromMilliseconds(2), Plan));

        // Heartbeats resume: it trains on, but its contribution still needs a replay.
        watch.Heartbeat(T0.AddSeconds(6), 10, 1.0);
        Assert.Null(watch.Tick(T0.AddSeconds(6.5), Plan));
        Assert.Equal((ContributorState.Training, true), (watch.State, watch.Stale));
        Assert.Equal(TimeSpan.FromSeconds(6), watch.LongestGap);
    }

    [Fact]
    public void Silence_past_the_loss_grace_marks_it_lost_once_and_settles_it()
    {
        var watch = Training();
        Assert.Equal("stale", watch.Tick(T0.AddSeconds(6), Plan));

        Assert.Null(watch.Tick(T0 + Plan.ContributorLossGrace, Plan));
        Assert.Equal("lost", watch.Tick(T0 + Plan.ContributorLossGrace + TimeSpan.FromMilliseconds(1), Plan));
        Assert.Equal((ContributorState.Lost, true), (watch.State, watch.Settled));
        Assert.Contains("7500 ms", watch.Detail, StringComparison.Ordinal);
        Assert.Equal(Plan.ContributorLossGrace + TimeSpan.FromMilliseconds(1), watch.LongestGap);
        Assert.Null(watch.Tick(T0.AddMinutes(1), Plan));
    }

    [Fact]
    public void A_first_tick_past_the_grace_is_lost_without_passing_through_stale()
    {
        var watch = Training();

        Assert.Equal("lost", watch.Tick(T0.AddSeconds(30), Plan));
        Assert.Equal(ContributorState.Lost, watch.State);
        Assert.False(watch.Stale);
    }

    [Fact]
    public void Nothing_a_settled_contributor_sends_changes_its_watch()
    {
        var watch = Training();
        watch.Heartbeat(T0.AddSeconds(1), 4, 3.0);
        Assert.Equal("lost", watch.Tick(T0.AddSeconds(10), Plan));
        var detail = watch.Detail;

        watch.Heartbeat(T0.AddSeconds(11), 50, 0.1);
        watch.Contributed(T0.AddSeconds(12), "sha256:late");
        watch.Failed("after the fact");
        watch.Late("left out");

        Assert.Equal(ContributorState.Lost, watch.State);
        Assert.Equal((1, 4L, 3.0, (DateTimeOffset?)T0.AddSeconds(1), (string?)null), (watch.Heartbeats, watch.Step, watch.Loss, watch.LastSeen, watch.ManifestDigest));
        Assert.Equal(detail, watch.Detail);
    }

    [Fact]
    public void Contributed_is_taken_only_from_training_and_settles_it()
    {
        var watch = Training();
        watch.Contributed(T0.AddSeconds(2), "sha256:m1");

        Assert.Equal((ContributorState.Contributed, true, "sha256:m1"), (watch.State, watch.Settled, watch.ManifestDigest));
        Assert.Equal(T0.AddSeconds(2), watch.LastSeen);

        watch.Contributed(T0.AddSeconds(3), "sha256:m2");
        watch.Late("too late");
        watch.Failed("too late");
        Assert.Null(watch.Tick(T0.AddMinutes(5), Plan));
        Assert.Equal((ContributorState.Contributed, "sha256:m1"), (watch.State, watch.ManifestDigest));
    }

    [Fact]
    public void Failed_is_taken_only_from_training()
    {
        var watch = Training();
        watch.Failed("trainer exited 3");

        Assert.Equal((ContributorState.Failed, "trainer exited 3"), (watch.State, watch.Detail));
    }

    [Fact]
    public void Late_applies_only_while_not_settled()
    {
        var waiting = Watch();
        waiting.Late("never joined");
        Assert.Equal((ContributorState.Late, "never joined"), (waiting.State, waiting.Detail));

        var training = Training();
        training.Late("no contribution in time");
        Assert.Equal(ContributorState.Late, training.State);

        var refused = Watch();
        refused.Refused("no token");
        refused.Late("left out");
        Assert.Equal((ContributorState.Refused, "no token"), (refused.State, refused.Detail));
    }

    [Fact]
    public void Its_status_line_carries_what_it_saw()
    {
        var watch = Training();
        watch.Heartbeat(T0.AddSeconds(2), 7, 0.75);
        watch.Tick(T0.AddSeconds(8), Plan);

        var status = watch.ToStatus("ft-run-1", TrainingPhase.Training, "waiting for c1", null);

        Assert.Equal(("ft-run-1", "c1", "alpha", "dotnet.cpu"), (status.RunId, status.Contributor, status.Site, status.Backend));
        Assert.Equal((ContributorState.Training, 7L, 0.75, 1, 6000L, true), (status.State, status.Step, status.Loss, status.Heartbeats, status.LongestGapMs, status.Stale));
        Assert.Equal((TrainingPhase.Training, "waiting for c1"), (status.Phase, status.PhaseDetail));
        Assert.Equal(watch.Detail, status.Detail);
    }
}
