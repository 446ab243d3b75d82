using System.Diagnostics;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// The status document the coordinator rewrites: Write then TryRead gives it back whole, its enums written as
/// words, the file owner-only; no file yet is null; anything else at the path (garbage, a huge file, a
/// directory, a FIFO, a link, a field of the wrong type or null, a number for a phase) is
/// TrainingStatusUnreadable naming the path.
/// </summary>
public sealed class TrainingRunStatusTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-live-status-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string StatusPath => Path.Combine(_root, TrainingRunStatus.FileName);

    [Fact]
    public void TryRead_gives_back_what_Write_put_there()
    {
        var written = Status();
        written.Write(_root);

        var read = TrainingRunStatus.TryRead(_root);

        Assert.Equivalent(written, read, strict: true);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StatusPath));
    }

    [Fact]
    public void Its_enums_are_written_as_words()
    {
        Status().Write(_root);
        var text = File.ReadAllText(StatusPath);

        Assert.Contains("\"phase\": \"Reviewing\"", text, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"Contributed\"", text, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"Lost\"", text, StringComparison.Ordinal);
        Assert.Contains("\"verdict\": \"Accepted\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loss_that_is_not_finite_cannot_be_written_so_no_message_may_carry_one()
    {
        // Why TrainingMessage.TryParse refuses a heartbeat whose loss overflows to infinity.
        var status = Status() with { Contributors = new[] { Status().Contributors[0] with { Loss = double.PositiveInfinity } } };

        Assert.Throws<ArgumentException>(() => status.Write(_root));
        Assert.False(TrainingMessage.TryParse("{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"loss\":1e400}", out _));
    }

    [Fact]
    public void No_status_yet_is_null()
    {
        Assert.Null(TrainingRunStatus.TryRead(_root));
        Assert.Null(TrainingRunStatus.TryRead(Path.Combine(_root, "no-such-site")));
    }

    public static TheoryData<string, string> BadContents() => new()
    {
        { "empty", "" },
        { "garbage", "\0\u0001 not json at all \u00ff" },
        { "null", "null" },
        { "an array", "[]" },
        { "truncated", "{\"run_id\": \"ft-run-1\", \"plan_digest\"" },
        { "deeply nested", new string('[', 10_000) },
        { "run_id missing", "{\"plan_digest\": \"sha256:x\", \"phase\": \"Training\"}" },
        { "run_id null", "{\"run_id\": null, \"plan_digest\": \"sha256:x\"}" },
        { "phase a number", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"phase\": 99}" },
        { "phase unknown", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"phase\": \"Exploded\"}" },
        { "phase a number in a string", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"phase\": \"99\"}" },
        { "phase a flag set outside the names", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"phase\": \"Stopped, Published\"}" },
        { "updated_at a number", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"updated_at\": 5}" },
        { "contributors a string", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"contributors\": \"c1\"}" },
        { "contributors null", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"contributors\": null}" },
        { "a contributor null", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"contributors\": [null]}" },
        { "a contributor's step a string", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"contributors\": [{\"run_id\": \"r\", \"contributor\": \"c1\", \"site\": \"a\", \"backend\": \"b\", \"step\": \"7\"}]}" },
        { "a contributor's state a number", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"contributors\": [{\"run_id\": \"r\", \"contributor\": \"c1\", \"site\": \"a\", \"backend\": \"b\", \"state\": 42}]}" },
        { "a contributor's site null", "{\"run_id\": \"r\", \"plan_digest\": \"sha256:x\", \"contributors\": [{\"run_id\": \"r\", \"contributor\": \"c1\", \"site\": null, \"backend\": \"b\"}]}" },
    };

    [Theory]
    [MemberData(nameof(BadContents))]
    public void Contents_that_are_not_a_status_document_are_unreadable(string what, string text)
    {
        File.WriteAllText(StatusPath, text);
        AssertUnreadable(what);
    }

    [Fact]
    public void A_file_over_1_MiB_is_unreadable_even_when_it_is_sound_JSON()
    {
        Status().Write(_root);
        File.AppendAllText(StatusPath, new string(' ', 1024 * 1024));

        AssertUnreadable("over 1 MiB");
    }

    [Fact]
    public void A_directory_in_its_place_is_unreadable()
    {
        Directory.CreateDirectory(StatusPath);
        AssertUnreadable("a directory");
    }

    [Fact]
    public void A_symbolic_link_in_its_place_is_unreadable_not_followed()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName;
        Status().Write(elsewhere);
        File.CreateSymbolicLink(StatusPath, Path.Combine(elsewhere, TrainingRunStatus.FileName));

        AssertUnreadable("a link");
    }

    [Fact]
    public void A_fifo_in_its_place_is_unreadable_without_waiting_for_a_writer()
    {
        using (var mkfifo = Process.Start("mkfifo", StatusPath))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var read = Task.Run(() => AssertUnreadable("a FIFO"));
        Assert.True(read.Wait(TimeSpan.FromSeconds(30)), "reading a FIFO hung");
        read.GetAwaiter().GetResult();
    }

    private void AssertUnreadable(string what)
    {
        var error = Assert.Throws<SwarmException>(() => TrainingRunStatus.TryRead(_root));
        Assert.True(error.ErrorId == "TrainingStatusUnreadable", $"{what}: {error}");
        Assert.Equal(StatusPath, error.Target);
        Assert.Contains(StatusPath, error.Message, StringComparison.Ordinal);
    }

    private static TrainingRunStatus Status() => new()
    {
        RunId = "ft-run-1",
        PlanDigest = "sha256:" + new string('a', 64),
        Phase = TrainingPhase.Reviewing,
        Detail = "replaying c2",
        UpdatedAt = new DateTimeOffset(2026, 12, 1, 19, 45, 1, 250, TimeSpan.Zero),
        Destination = "/srv/published/ft-run-1",
        EvidencePath = "/srv/evidence/ft-run-1.tar",
        Contributors = new[]
        {
            new TrainingContributorStatus
            {
                RunId = "ft-run-1", Contributor = "c1", Site = "alpha", Backend = "dotnet.cpu", State = ContributorState.Contributed,
                Step = 50, Loss = 0.125, LastHeartbeat = new DateTimeOffset(2026, 12, 1, 19, 44, 59, TimeSpan.Zero), Heartbeats = 51,
                LongestGapMs = 6100, Stale = true, Verdict = VerdictKind.Accepted, ReplayChecked = true, Detail = "silent for 6100 ms",
                Phase = TrainingPhase.Reviewing, PhaseDetail = "replaying c2",
            },
            new TrainingContributorStatus
            {
                RunId = "ft-run-1", Contributor = "c2", Site = "beta", Backend = "pytorch.cpu", State = ContributorState.Lost,
                Heartbeats = 3, LongestGapMs = 7600, Detail = "no heartbeat for 7600 ms", Phase = TrainingPhase.Reviewing,
            },
        },
    };
}
