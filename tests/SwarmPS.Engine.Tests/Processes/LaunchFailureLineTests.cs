using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Processes;

/// <summary>How a detached child reports its failure back to its parent: one line in its log.</summary>
public sealed class LaunchFailureLineTests
{
    [Fact]
    public void A_failure_line_round_trips_id_message_remediation_and_category()
    {
        var error = new SwarmException("MailboxExists", "Run id 'r' is in use: \"x\".", "Choose a new run id.", SwarmErrorCategory.ResourceExists);
        var lines = new[] { "[site alpha] registered 1 agent(s)", LaunchFailureLine.Format(error), "trailing noise", "swarmps-error: {cut sh" };

        var parsed = LaunchFailureLine.LastIn(lines, "/runs/r/alpha");

        Assert.NotNull(parsed);
        Assert.Equal("MailboxExists", parsed!.ErrorId);
        Assert.Equal(error.Message, parsed.Message);
        Assert.Equal(error.Remediation, parsed.Remediation);
        Assert.Equal(SwarmErrorCategory.ResourceExists, parsed.Category);
        Assert.Equal("/runs/r/alpha", parsed.Target);
        Assert.Null(LaunchFailureLine.LastIn(new[] { "no marker here" }));
    }
}
