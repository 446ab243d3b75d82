using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Tests.Launch;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// A role's mailbox on a real exchange process: a training message counts only when it came from the mailbox
/// of the role it speaks for, so one contributor cannot heartbeat, contribute or fail in another's name; a
/// body that is no training message is acknowledged and reported, never left to block the mailbox.
/// </summary>
public sealed class RoleMailboxTests : IDisposable
{
    private const string RunId = "ft-mailbox-1";
    private readonly LaunchTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private TrainingRoleContext Context(string agent) =>
        new(RunId, "alpha", agent, _bed.Root, new ExchangeConnection(_bed.Exchange.Url, LaunchTestBed.Token));

    [Fact]
    public async Task The_coordinator_takes_a_contributor_s_own_messages_and_reports_one_sent_in_another_s_name()
    {
        foreach (var agent in new[] { "coordinator", "c1", "c2" })
        {
            await _bed.Client.RegisterAsync(RunId, agent);
        }

        var stray = new List<string>();
        var coordinator = new RoleMailbox(_bed.Client, Context("coordinator"), message => message.Contributor, stray.Add);
        var c1 = new RoleMailbox(_bed.Client, Context("c1"), _ => "coordinator");
        var c2 = new RoleMailbox(_bed.Client, Context("c2"), _ => "coordinator");

        await c1.SendAsync("coordinator", new TrainingMessage { Kind = TrainingMessage.Heartbeat, Contributor = "c1", Step = 3 }, TimeSpan.FromSeconds(5), CancellationToken.None);
        await c2.SendAsync("coordinator", new TrainingMessage { Kind = TrainingMessage.Contributed, Contributor = "c1", ManifestDigest = "sha256:" + new string('0', 64) }, TimeSpan.FromSeconds(5), CancellationToken.None);
        await _bed.Client.SendAsync(OutgoingMessage.Create(Context("coordinator").Mailbox, "hello, not a training message", Context("c2").Mailbox));

        var received = await coordinator.ReceiveAsync(TimeSpan.FromSeconds(2), CancellationToken.None);

        var only = Assert.Single(received);
        Assert.Equal((TrainingMessage.Heartbeat, "c1", 3L), (only.Kind, only.Contributor, only.Step!.Value));
        Assert.Equal(2, stray.Count);
        Assert.Contains(stray, line => line.StartsWith("contributed from c1 came from mailbox ", StringComparison.Ordinal) && line.EndsWith("not from c1's", StringComparison.Ordinal));
        Assert.Contains("hello, not a training message", stray);
        // Everything read was acknowledged: nothing comes back when the lease would have ended.
        Assert.Empty(await coordinator.ReceiveAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.Equal(0, (await _bed.Client.GetStatusAsync(new[] { Context("coordinator").Mailbox })).Single().Pending);
    }

    [Fact]
    public async Task A_send_waits_for_a_mailbox_its_site_has_not_registered_yet_and_gives_up_at_the_deadline()
    {
        await _bed.Client.RegisterAsync(RunId, "c1");
        var c1 = new RoleMailbox(_bed.Client, Context("c1"), _ => "coordinator");
        var late = Task.Run(async () =>
        {
            await Task.Delay(700);
            await _bed.Client.RegisterAsync(RunId, "coordinator");
        });

        await c1.SendAsync("coordinator", new TrainingMessage { Kind = TrainingMessage.Join, Contributor = "c1" }, TimeSpan.FromSeconds(10), CancellationToken.None);
        await late;
        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            c1.SendAsync("nobody", new TrainingMessage { Kind = TrainingMessage.Join, Contributor = "c1" }, TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Equal("MailboxNotFound", error.ErrorId);
        Assert.Single(await new RoleMailbox(_bed.Client, Context("coordinator"), m => m.Contributor).ReceiveAsync(TimeSpan.FromSeconds(2), CancellationToken.None));
    }
}
