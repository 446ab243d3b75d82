using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>The replay journal, handled.jsonl: what survives a reopen, what is pruned, and what a crash leaves.</summary>
public sealed class HandledCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-handled-").FullName;

    private string Journal => Path.Combine(_directory, "handled.jsonl");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_replied_command_comes_back_with_its_reply_after_reopening()
    {
        var command = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid());
        var reply = ControlReply.Success(command, command.Target, new JsonObject { ["runs"] = new JsonArray() });
        var handled = HandledCommands.Open(Journal, DateTimeOffset.UtcNow);
        handled.Accepted(command);
        handled.Replied(command, reply);

        var reopened = HandledCommands.Open(Journal, DateTimeOffset.UtcNow);

        var entry = reopened.Find(command.CorrelationId);
        Assert.NotNull(entry);
        Assert.Equal(1, reopened.Count);
        Assert.NotNull(entry.Reply);
        Assert.Equal(reply.ToJson(), entry.Reply.ToJson());
        Assert.Null(reopened.Find(Guid.NewGuid()));
    }

    [Fact]
    public void A_command_accepted_but_never_replied_comes_back_without_a_reply()
    {
        var command = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid());
        HandledCommands.Open(Journal, DateTimeOffset.UtcNow).Accepted(command);

        var entry = HandledCommands.Open(Journal, DateTimeOffset.UtcNow).Find(command.CorrelationId);

        Assert.NotNull(entry);
        Assert.Null(entry.Reply);
    }

    [Fact]
    public void Entries_past_their_expiry_and_the_kept_margin_are_pruned_and_the_file_rewritten()
    {
        var now = DateTimeOffset.UtcNow;
        var old = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid(), sentAt: now - TimeSpan.FromMinutes(12), lifetime: TimeSpan.FromMinutes(1));
        var recent = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid(), sentAt: now - TimeSpan.FromMinutes(10), lifetime: TimeSpan.FromMinutes(1));
        var handled = HandledCommands.Open(Journal, now);
        handled.Accepted(old);
        handled.Replied(old, ControlReply.Success(old, old.Target, new JsonObject()));
        handled.Accepted(recent);
        Assert.Equal(3, File.ReadAllLines(Journal).Length);

        var reopened = HandledCommands.Open(Journal, now);

        // old expired 11 minutes ago (> KeptPastExpiry), recent 9 minutes ago (< KeptPastExpiry).
        Assert.Null(reopened.Find(old.CorrelationId));
        Assert.NotNull(reopened.Find(recent.CorrelationId));
        var lines = File.ReadAllLines(Journal);
        Assert.Single(lines);
        Assert.Contains(recent.CorrelationId.ToString(), lines[0]);
    }

    [Fact]
    public void The_same_id_written_twice_reads_back_as_its_last_entry()
    {
        var command = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid());
        var handled = HandledCommands.Open(Journal, DateTimeOffset.UtcNow);
        handled.Accepted(command);
        handled.Replied(command, ControlReply.Success(command, command.Target, new JsonObject()));

        var reopened = HandledCommands.Open(Journal, DateTimeOffset.UtcNow);

        Assert.NotNull(reopened.Find(command.CorrelationId)!.Reply);
        Assert.Equal(2, File.ReadAllLines(Journal).Length);
    }

    [Fact]
    public void A_torn_last_line_is_skipped_and_the_rest_kept()
    {
        var command = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid());
        var handled = HandledCommands.Open(Journal, DateTimeOffset.UtcNow);
        handled.Accepted(command);
        handled.Replied(command, ControlReply.Success(command, command.Target, new JsonObject()));
        var torn = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid());
        File.AppendAllText(Journal, $"{{\"correlation_id\":\"{torn.CorrelationId}\",\"expires_at\":\"20");

        var reopened = HandledCommands.Open(Journal, DateTimeOffset.UtcNow);

        Assert.NotNull(reopened.Find(command.CorrelationId)!.Reply);
        Assert.Null(reopened.Find(torn.CorrelationId));
        Assert.Equal(1, reopened.Count);
        Assert.DoesNotContain(torn.CorrelationId.ToString(), File.ReadAllText(Journal));
    }

    [Fact]
    public void Hostile_lines_are_skipped_without_throwing()
    {
        var id = Guid.NewGuid();
        File.WriteAllLines(Journal, new[]
        {
            "[]",
            "{\"correlation_id\":\"nope\",\"expires_at\":\"2099-01-01T00:00:00Z\"}",
            $"{{\"correlation_id\":\"{Guid.NewGuid()}\",\"expires_at\":\"never\"}}",
            $"{{\"correlation_id\":\"{Guid.NewGuid()}\",\"expires_at\":\"2099-01-01T00:00:00Z\",\"expires_at\":\"2099-01-01T00:00:00Z\"}}",
            $"{{\"correlation_id\":\"{id}\",\"expires_at\":\"2099-01-01T00:00:00Z\",\"reply\":{{\"type\":\"reply\"}}}}",
        });

        var reopened = HandledCommands.Open(Journal, DateTimeOffset.UtcNow);

        Assert.Equal(1, reopened.Count);
        Assert.Null(reopened.Find(id)!.Reply);
    }

    [Fact]
    public void The_journal_is_readable_by_its_owner_only()
    {
        var command = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid());
        HandledCommands.Open(Journal, DateTimeOffset.UtcNow).Accepted(command);
        var freshMode = File.GetUnixFileMode(Journal);
        File.AppendAllText(Journal, "torn");
        HandledCommands.Open(Journal, DateTimeOffset.UtcNow);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, freshMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Journal));
    }
}
