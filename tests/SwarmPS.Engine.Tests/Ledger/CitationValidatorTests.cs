using System.Collections;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class CitationValidatorTests
{
    private const string Unknown = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void Malformed_citations_are_errors_with_their_lines_whatever_StrictRuns_says()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        repo.Write("f.md", """
            ---
            cites:
              runs:
                - ../../etc/passwd
                - ABCDEF0123456789ABCDEF0123456789
                - [nested]
              batches:
                - status: complete
                - experiment: lr-sweep
                  status: finished
                - experiment: x
                  colour: red
                - just-a-string
              extra: 1
            ---
            """);
        foreach (var strict in Enum.GetValues<StrictRuns>())
        {
            var findings = CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md"), strict);
            Assert.All(findings, f => Assert.Equal((FindingFrontMatter.MalformedCode, FindingSeverity.Error, "f.md"), (f.Code, f.Severity, f.File)));
            Assert.Equal(new[] { 4, 5, 6, 8, 10, 12, 13, 14 }, findings.Select(f => f.Line));
            Assert.Equal("../../etc/passwd", findings[0].CitedId);
            Assert.Contains("names no experiment", findings[3].Message);
            Assert.Contains("Use one of: created", findings[4].Message);
        }

        Assert.False(File.Exists("/etc/passwd.json"));
    }

    [Theory]
    [InlineData("---\ncites:\n  runs: [a\n---\n", 4, "not valid YAML")]
    [InlineData("---\ntitle: x\nowner: me\ncites:\n  runs: x: y\n---\n", 5, "not valid YAML")]
    [InlineData("---\ncites:\n  runs: []\n", 1, "never closed")]
    [InlineData("---\n- a\n- b\n---\n", 2, "not a map")]
    public void Malformed_front_matter_is_reported_with_file_and_line(string text, int line, string problem)
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        repo.Write("findings/bad.md", text);
        var finding = Assert.Single(CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "findings")));
        Assert.True((FindingFrontMatter.InvalidCode, "findings/bad.md", line) == (finding.Code, finding.File, finding.Line), finding.ToString());
        Assert.Contains(problem, finding.Message);
    }

    [Fact]
    public void No_ledger_and_no_store_is_one_warning_not_a_silent_pass()
    {
        using var repo = new TemporaryRepository();
        repo.Write("a.md", $"---\ncites:\n  runs: [{Unknown}]\n---\n");
        repo.Write("b.md", $"---\ncites:\n  runs: [{Unknown}]\n  batches: [{{experiment: x}}]\n---\n");
        var finding = Assert.Single(CitationValidator.Validate(repo.Repository, repo.Root));
        Assert.Equal((CitationValidator.NoRunStoreCode, FindingSeverity.Warning), (finding.Code, finding.Severity));
        Assert.False(Directory.Exists(repo.Repository.SwarmDirectory));
    }

    [Fact]
    public void Batches_resolve_by_experiment_and_status_in_ledger_and_store()
    {
        using var repo = RunStoreTests.Initialized(out var store);
        using (store)
        {
            var done = store.CreateRun(new Hashtable { ["i"] = 1 });
            store.LinkExperiments(done.Id, ["sweep"]);
            store.SetStatus(done.Id, RunStatus.Complete);
            var live = store.CreateRun(new Hashtable { ["i"] = 2 });
            store.LinkExperiments(live.Id, ["live-only"]);
        }

        repo.Write("f.md", """
            ---
            cites:
              batches:
                - experiment: sweep
                - experiment: sweep
                  status: [failed, complete]
                - experiment: sweep
                  status: failed
                - experiment: live-only
                - experiment: nothing-here
            ---
            """);
        var findings = CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md"));
        Assert.Equal(
            new[] { ("experiment=sweep status=failed", 7), ("experiment=nothing-here", 10) },
            findings.Select(f => (f.CitedId!, f.Line)));
        Assert.All(findings, f => Assert.Equal(CitationValidator.EmptyBatchCode, f.Code));

        Assert.Empty(CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md"), StrictRuns.Off));
        Assert.All(CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md"), StrictRuns.Warn), f => Assert.Equal(FindingSeverity.Warning, f.Severity));
    }

    [Fact]
    public void A_batch_with_statuses_resolves_against_the_store_by_those_statuses()
    {
        using var repo = RunStoreTests.Initialized(out var store);
        using (store)
        {
            var queued = store.CreateRun(new Hashtable { ["i"] = 1 });
            store.LinkExperiments(queued.Id, ["live"]);
            store.SetStatus(queued.Id, RunStatus.Queued);
        }

        repo.Write("f.md", """
            ---
            cites:
              batches:
                - experiment: live
                  status: [running, queued]
                - experiment: live
                  status: [running, created]
            ---
            """);
        var finding = Assert.Single(CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md")));
        Assert.Equal((CitationValidator.EmptyBatchCode, "experiment=live status=running,created", 6), (finding.Code, finding.CitedId, finding.Line));
    }

    [Fact]
    public void A_ledger_file_that_is_not_json_or_has_an_unknown_schema_is_a_finding_not_a_crash()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        const string garbage = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        const string future = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        File.WriteAllText(repo.Repository.LedgerEntryPath(garbage), "<<<<<<< HEAD\n{}\n");
        File.WriteAllText(repo.Repository.LedgerEntryPath(future), $"{{\"schema_version\": 2, \"id\": \"{future}\", \"status\": \"complete\", \"experiments\": [\"x\"]}}\n");
        File.WriteAllText(Path.Combine(repo.Repository.LedgerDirectory, "notes.json"), "{}");
        repo.Write("f.md", $"---\ncites:\n  runs: [{garbage}, {future}]\n  batches: [{{experiment: x}}]\n---\n");

        var findings = CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md"));
        Assert.Equal(
            new[]
            {
                ($".swarm/ledger/{garbage}.json", LedgerEntryParser.InvalidCode),
                ($".swarm/ledger/{future}.json", LedgerEntryParser.InvalidCode),
                (".swarm/ledger/notes.json", LedgerEntryParser.InvalidCode),
                ("f.md", CitationValidator.EmptyBatchCode),
            },
            findings.Select(f => (f.File!, f.Code)));
        Assert.Contains("not valid JSON", findings[0].Message);
        Assert.Contains("schema_version 2", findings[1].Message);
    }

    [Fact]
    public void Missing_path_is_PathNotFound()
    {
        using var repo = new TemporaryRepository();
        var error = Assert.Throws<SwarmException>(() => CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "nope")));
        Assert.Equal("PathNotFound", error.ErrorId);
    }
}
