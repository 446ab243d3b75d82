using System.Diagnostics;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// A clone can carry links, and a shared login node can hold FIFOs: every ledger read refuses what is
/// not a regular file of a sane size, reports it as LedgerEntryInvalid, and finishes. Each read runs
/// under a timeout, so a regression fails here instead of hanging the suite.
/// </summary>
public sealed class HostileLedgerFileTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void Get_ledger_skips_links_fifos_devices_and_huge_files_with_a_finding_each()
    {
        using var repo = new TemporaryRepository(git: false);
        var (good, planted) = Plant(repo);

        var result = Bounded(() => LedgerReader.Read(repo.Repository));

        Assert.Equal([good], result.Entries.Select(e => e.Id));
        AssertRefused(planted, result.Problems);
    }

    [Fact]
    public void Citation_check_reports_each_planted_file_and_finishes()
    {
        using var repo = new TemporaryRepository(git: false);
        var (good, planted) = Plant(repo);
        repo.Write("findings/a.md", $"---\ncites:\n  runs:\n    - {good}\n{string.Concat(planted.Keys.Select(id => $"    - {id}\n"))}  batches:\n    - experiment: sweep\n---\n");

        var findings = Bounded(() => CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "findings")));

        AssertRefused(planted, findings.Where(f => f.Code == LedgerEntryParser.InvalidCode).ToList());
    }

    [Fact]
    public void Reading_one_planted_entry_by_id_is_LedgerEntryInvalid()
    {
        using var repo = new TemporaryRepository(git: false);
        var (_, planted) = Plant(repo);
        foreach (var id in planted.Keys)
        {
            var error = Assert.Throws<SwarmException>(() => Bounded(() => LedgerReader.ReadOne(repo.Repository, id)));
            Assert.Equal("LedgerEntryInvalid", error.ErrorId);
        }
    }

    [Fact]
    public void Findings_linked_to_dev_zero_or_a_fifo_are_findings_and_a_linked_loop_is_not_walked()
    {
        using var repo = new TemporaryRepository(git: false);
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        var findings = Path.Combine(repo.Root, "findings");
        Directory.CreateDirectory(findings);
        File.CreateSymbolicLink(Path.Combine(findings, "zero.md"), "/dev/zero");
        MakeFifo(Path.Combine(findings, "fifo.md"));
        File.WriteAllText(Path.Combine(findings, "huge.md"), new string('x', BoundedFileRead.TextFileLimit + 1));
        Directory.CreateSymbolicLink(Path.Combine(findings, "loop"), findings);
        File.WriteAllText(Path.Combine(findings, "fine.md"), "---\ntitle: no citations\n---\n");

        var found = Bounded(() => CitationValidator.Validate(repo.Repository, findings));

        Assert.Equal(["findings/fifo.md", "findings/huge.md", "findings/zero.md"], found.Select(f => f.File));
        Assert.All(found, f => Assert.Equal(FindingFrontMatter.InvalidCode, f.Code));
        Assert.Contains("a FIFO", found[0].Message);
        Assert.Contains("larger than 1024 KiB", found[1].Message);
        Assert.Contains("a character device", found[2].Message);
    }

    [Fact]
    public void A_run_store_that_is_a_link_or_a_fifo_is_refused_not_opened()
    {
        using var repo = new TemporaryRepository(git: false);
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        var store = repo.Repository.RunStorePath;
        var elsewhere = Path.Combine(repo.Root, "elsewhere.db");
        File.Delete(store);
        File.CreateSymbolicLink(store, elsewhere);
        Assert.Equal("RunStoreUnavailable", Assert.Throws<SwarmException>(() => RunStore.Open(repo.Root)).ErrorId);
        Assert.False(File.Exists(elsewhere));

        File.Delete(store);
        MakeFifo(store);
        repo.Write("findings/a.md", "---\ncites:\n  runs:\n    - 0123456789abcdef0123456789abcdef\n---\n");
        var error = Assert.Throws<SwarmException>(() => Bounded(() => CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "findings"))));
        Assert.Equal("RunStoreUnavailable", error.ErrorId);
        Assert.Contains("a FIFO", error.Message);
    }

    [Fact]
    public void A_machine_file_linked_to_dev_zero_is_MachineFileInvalid()
    {
        using var repo = new TemporaryRepository(git: false);
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        File.Delete(repo.Repository.MachineFilePath);
        File.CreateSymbolicLink(repo.Repository.MachineFilePath, "/dev/zero");

        Assert.Equal("MachineFileInvalid", Assert.Throws<SwarmException>(() => Bounded(() => RunStore.Open(repo.Root))).ErrorId);
    }

    /// <summary>One good entry, and four well-named files that are not regular entries (id → what it is).</summary>
    private static (string Good, Dictionary<string, string> Planted) Plant(TemporaryRepository repo)
    {
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        string good;
        using (var store = RunStore.Open(repo.Root, new RunStoreOptions { CaptureCodeVersion = false }))
        {
            var run = store.CreateRun(new Dictionary<string, object?> { ["lr"] = 0.1 });
            store.LinkExperiments(run.Id, ["sweep"]);
            store.SetStatus(run.Id, RunStatus.Complete);
            good = run.Id;
        }

        var ledger = repo.Repository.LedgerDirectory;
        var outside = Path.Combine(repo.Root, "outside.json");
        File.Copy(Path.Combine(ledger, good + ".json"), outside);
        var planted = new Dictionary<string, string>
        {
            [new string('1', 32)] = "symbolic link",
            [new string('2', 32)] = "a FIFO",
            [new string('3', 32)] = "larger than 1024 KiB",
            [new string('5', 32)] = "symbolic link",
        };
        File.CreateSymbolicLink(Path.Combine(ledger, new string('1', 32) + ".json"), "/dev/zero");
        MakeFifo(Path.Combine(ledger, new string('2', 32) + ".json"));
        File.WriteAllText(Path.Combine(ledger, new string('3', 32) + ".json"), new string(' ', BoundedFileRead.LedgerEntryLimit + 1));
        File.CreateSymbolicLink(Path.Combine(ledger, new string('5', 32) + ".json"), outside);
        return (good, planted);
    }

    private static void AssertRefused(Dictionary<string, string> planted, IReadOnlyList<LedgerFinding> problems)
    {
        Assert.Equal(planted.Keys.Order(StringComparer.Ordinal), problems.Select(p => p.CitedId!).Order(StringComparer.Ordinal));
        foreach (var problem in problems)
        {
            Assert.Equal(LedgerEntryParser.InvalidCode, problem.Code);
            Assert.Contains(planted[problem.CitedId!], problem.Message);
        }
    }

    private static T Bounded<T>(Func<T> read)
    {
        var task = Task.Run(read);
        Assert.True(((Task)task).ContinueWith(_ => { }).Wait(Bound), $"the read did not finish within {Bound.TotalSeconds} s");
        return task.GetAwaiter().GetResult();
    }

    internal static void MakeFifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]))!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
