using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class RunStatusTests
{
    [Theory]
    [InlineData("complete", RunStatus.Complete)]
    [InlineData("Failed", RunStatus.Failed)]
    [InlineData(" running ", RunStatus.Running)]
    public void Parses_status_words(string text, RunStatus expected) => Assert.Equal(expected, RunStatusNames.Parse(text));

    [Theory]
    [InlineData("done")]
    [InlineData("3")]
    [InlineData("")]
    [InlineData(null)]
    public void Unknown_status_is_refused_listing_the_valid_ones(string? text)
    {
        var error = Assert.Throws<SwarmException>(() => RunStatusNames.Parse(text));
        Assert.Equal("RunStatusInvalid", error.ErrorId);
        Assert.Equal("Use one of: created, queued, running, complete, failed, abandoned, stopped.", error.Remediation);
    }

    [Theory]
    [InlineData(RunStatus.Complete, RunStatus.Running)]
    [InlineData(RunStatus.Failed, RunStatus.Complete)]
    [InlineData(RunStatus.Stopped, RunStatus.Created)]
    public void Leaving_a_terminal_state_is_refused_naming_the_current_state(RunStatus current, RunStatus next)
    {
        var error = Assert.Throws<SwarmException>(() => RunStatusTransition.EnsureAllowed("0123456789abcdef0123456789abcdef", current, next));
        Assert.Equal("RunStatusTerminal", error.ErrorId);
        Assert.Contains($"already {current.ToName()}", error.Message);
    }

    [Theory]
    [InlineData(RunStatus.Created, RunStatus.Running)]
    [InlineData(RunStatus.Running, RunStatus.Queued)]
    [InlineData(RunStatus.Queued, RunStatus.Abandoned)]
    [InlineData(RunStatus.Complete, RunStatus.Complete)]
    public void Live_states_move_freely_and_repeating_a_status_is_allowed(RunStatus current, RunStatus next) =>
        RunStatusTransition.EnsureAllowed("0123456789abcdef0123456789abcdef", current, next);
}
