using System.Collections;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// The scenario with real git: runs made on a "cluster" clone, findings written on a "laptop"
/// clone of the same bare repository.
/// </summary>
public sealed class TwoCloneLedgerTests : IDisposable
{
    private readonly string _workspace = Path.Combine(Path.GetTempPath(), "swarmps-clones-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_workspace, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Laptop_resolves_cluster_runs_through_the_ledger_and_reports_only_the_running_and_made_up_ids()
    {
        var bare = Path.Combine(_workspace, "origin.git");
        Directory.CreateDirectory(bare);
        TemporaryRepository.RunGit(bare, "init", "--quiet", "--bare", "--initial-branch=main");
        using var seed = new TemporaryRepository(path: Path.Combine(_workspace, "seed"));
        seed.Write("README.md", "# experiment\n");
        seed.Git("add", "README.md");
        seed.Git("commit", "-qm", "start");
        seed.Git("push", "--quiet", bare, "main");

        // Cluster: initialise, run, finish some, fail one, leave one running; commit and push the ledger.
        var clusterRoot = Path.Combine(_workspace, "cluster");
        TemporaryRepository.RunGit(_workspace, "clone", "--quiet", bare, clusterRoot);
        var cluster = new TemporaryRepository(git: false, path: clusterRoot);
        cluster.Git("config", "user.email", "cluster@example.org");
        cluster.Git("config", "user.name", "cluster");
        RepositoryInitializer.Initialize(clusterRoot, "cluster");
        string complete1, complete2, failed, running;
        using (var store = RunStore.Open(clusterRoot))
        {
            complete1 = store.CreateRun(new Hashtable { ["lr"] = 0.1, ["data"] = Path.Combine(clusterRoot, "data") }).Id;
            complete2 = store.CreateRun(new Hashtable { ["lr"] = 0.01 }).Id;
            failed = store.CreateRun(new Hashtable { ["lr"] = 10.0 }).Id;
            running = store.CreateRun(new Hashtable { ["lr"] = 0.001 }).Id;
            foreach (var id in new[] { complete1, complete2, failed, running })
            {
                store.LinkExperiments(id, ["lr-sweep"]);
                store.SetStatus(id, RunStatus.Running);
            }

            store.SetStatus(complete1, RunStatus.Complete);
            store.SetStatus(complete2, RunStatus.Complete);
            store.SetStatus(failed, RunStatus.Failed);
        }

        cluster.Git("add", ".gitignore", ".swarm");
        var staged = cluster.Git("diff", "--cached", "--name-only");
        Assert.Equal(
            new[] { ".gitignore" }.Concat(new[] { complete1, complete2, failed }.Order(StringComparer.Ordinal).Select(id => $".swarm/ledger/{id}.json")),
            staged.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        cluster.Git("commit", "-qm", "ledger from cluster");
        cluster.Git("push", "--quiet", "origin", "main");

        foreach (var entry in Directory.EnumerateFiles(Path.Combine(clusterRoot, ".swarm", "ledger")))
        {
            Assert.DoesNotContain(clusterRoot, File.ReadAllText(entry));
        }

        // Laptop: pull, initialise with its own label, write findings.
        var laptopRoot = Path.Combine(_workspace, "laptop");
        TemporaryRepository.RunGit(_workspace, "clone", "--quiet", bare, laptopRoot);
        var laptop = new TemporaryRepository(git: false, path: laptopRoot);
        TemporaryRepository.RunGit(laptopRoot, "pull", "--quiet");
        var init = RepositoryInitializer.Initialize(laptopRoot, "laptop");
        Assert.Equal("laptop", init.MachineLabel);
        Assert.False(init.GitIgnoreChanged);
        Assert.Equal("cluster", Assert.Single(LedgerReader.Read(SwarmRepository.At(laptopRoot), new LedgerQuery { Statuses = [RunStatus.Failed] }).Entries).Machine);

        const string madeUp = "0123456789abcdef0123456789abcdef";
        laptop.Write("findings/lr.md", $"""
            ---
            title: Learning rate 0.1 converges
            cites:
              runs:
                - {complete1}
                - {complete2}
                - {failed}
                - {running}
                - {madeUp}
              batches:
                - experiment: lr-sweep
                  status: complete
            ---
            Body text.
            """);
        laptop.Write("findings/notes.md", "No front matter here, nothing to check.\n");

        var findings = CitationValidator.Validate(SwarmRepository.At(laptopRoot), Path.Combine(laptopRoot, "findings"));
        Assert.Equal(
            new[] { (FindingSeverity.Error, running, 8), (FindingSeverity.Error, madeUp, 9) },
            findings.Select(f => (f.Severity, f.CitedId!, f.Line)));
        Assert.All(findings, f => Assert.Equal((CitationValidator.BrokenRunCode, "findings/lr.md"), (f.Code, f.File)));

        var warned = CitationValidator.Validate(SwarmRepository.At(laptopRoot), Path.Combine(laptopRoot, "findings"), StrictRuns.Warn);
        Assert.Equal(
            new[] { (FindingSeverity.Warning, running), (FindingSeverity.Warning, madeUp) },
            warned.Select(f => (f.Severity, f.CitedId!)));

        // On the cluster, the running run resolves through the local store.
        File.Copy(Path.Combine(laptopRoot, "findings", "lr.md"), Path.Combine(clusterRoot, "lr.md"));
        var onCluster = CitationValidator.Validate(SwarmRepository.At(clusterRoot), Path.Combine(clusterRoot, "lr.md"));
        Assert.Equal(madeUp, Assert.Single(onCluster).CitedId);
    }
}
