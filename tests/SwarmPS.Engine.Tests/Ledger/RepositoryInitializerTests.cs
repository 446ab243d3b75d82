using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class RepositoryInitializerTests
{
    [Fact]
    public void Creates_swarm_directory_machine_label_store_and_gitignore_block()
    {
        using var repo = new TemporaryRepository();
        var result = RepositoryInitializer.Initialize(repo.Root, "cluster-a");

        Assert.Equal("cluster-a", result.MachineLabel);
        Assert.True(Directory.Exists(repo.Repository.LedgerDirectory));
        Assert.True(File.Exists(repo.Repository.RunStorePath));
        Assert.Equal("{\n  \"label\": \"cluster-a\"\n}\n", File.ReadAllText(repo.Repository.MachineFilePath));
        Assert.Equal(string.Join("\n", GitIgnoreBlock.Lines) + "\n", File.ReadAllText(repo.Repository.GitIgnorePath));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Label_is_sticky_across_reruns_that_do_not_pass_one()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        var again = RepositoryInitializer.Initialize(repo.Root);
        Assert.Equal("laptop", again.MachineLabel);
        Assert.False(again.MachineLabelChanged);
        Assert.False(again.GitIgnoreChanged);

        var renamed = RepositoryInitializer.Initialize(repo.Root, "laptop-2");
        Assert.Equal("laptop-2", renamed.MachineLabel);
        Assert.True(renamed.MachineLabelChanged);
    }

    [Fact]
    public void Default_label_is_the_short_host_name()
    {
        using var repo = new TemporaryRepository();
        var result = RepositoryInitializer.Initialize(repo.Root);
        Assert.Equal(Environment.MachineName.Split('.')[0].ToLowerInvariant(), result.MachineLabel);
    }

    [Fact]
    public void User_lines_are_kept_verbatim_and_the_block_is_refreshed_in_place()
    {
        using var repo = new TemporaryRepository();
        repo.Write(".gitignore", "*.pyc\n# swarmps:begin\n.swarm/old\n# swarmps:end\ndata/\n");
        RepositoryInitializer.Initialize(repo.Root, "a");
        var lines = File.ReadAllLines(repo.Repository.GitIgnorePath);
        Assert.Equal(new[] { "*.pyc" }.Concat(GitIgnoreBlock.Lines).Append("data/"), lines);
    }

    [Theory]
    [InlineData(".swarm/\n", 1)]
    [InlineData("build/\n.swarm\n", 2)]
    [InlineData("/.swarm/\n", 1)]
    [InlineData("**/.swarm/\n", 1)]
    public void A_user_line_excluding_swarm_is_reported_with_the_line_to_delete_and_git_agrees(string userLines, int line)
    {
        using var repo = new TemporaryRepository();
        repo.Write(".gitignore", userLines);
        var result = RepositoryInitializer.Initialize(repo.Root, "a");

        var warning = Assert.Single(result.Warnings);
        Assert.Equal("GitIgnoreHidesLedger", warning.Code);
        Assert.Equal(FindingSeverity.Warning, warning.Severity);
        Assert.Equal(line, warning.Line);
        Assert.Contains($"Delete line {line}", warning.Message);
        Assert.StartsWith(userLines, File.ReadAllText(repo.Repository.GitIgnorePath));

        // Real git confirms the warning is true: the ledger entry is ignored.
        repo.Write(".swarm/ledger/0123456789abcdef0123456789abcdef.json", "{}\n");
        Assert.Contains("0123456789abcdef0123456789abcdef.json", repo.Git("check-ignore", ".swarm/ledger/0123456789abcdef0123456789abcdef.json"));
    }

    [Fact]
    public void With_the_block_alone_git_tracks_the_ledger_and_ignores_the_store()
    {
        using var repo = new TemporaryRepository();
        repo.Write(".gitignore", "*.log\n.swarm/runs.db\n");
        var result = RepositoryInitializer.Initialize(repo.Root, "a");
        Assert.Empty(result.Warnings);
        repo.Write(".swarm/ledger/0123456789abcdef0123456789abcdef.json", "{}\n");
        repo.Write(".swarm/ledger/.0123456789abcdef0123456789abcdef.json.1.x.tmp", "{");
        var status = repo.Git("status", "--porcelain", "--untracked-files=all");
        Assert.Contains(".swarm/ledger/0123456789abcdef0123456789abcdef.json", status);
        Assert.DoesNotContain("runs.db", status);
        Assert.DoesNotContain("machine.json", status);
        Assert.DoesNotContain(".tmp", status);
    }

    [Fact]
    public void A_later_line_excluding_the_ledger_again_is_reported()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        File.AppendAllText(repo.Repository.GitIgnorePath, "*.json\n");
        var result = RepositoryInitializer.Initialize(repo.Root);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(GitIgnoreBlock.Lines.Count + 1, warning.Line);
    }

    [Fact]
    public void Broken_markers_are_refused_and_the_file_is_left_alone()
    {
        using var repo = new TemporaryRepository();
        repo.Write(".gitignore", "# swarmps:begin\n.swarm/*\n");
        var error = Assert.Throws<SwarmException>(() => RepositoryInitializer.Initialize(repo.Root, "a"));
        Assert.Equal("GitIgnoreBlockBroken", error.ErrorId);
        Assert.Equal("# swarmps:begin\n.swarm/*\n", File.ReadAllText(repo.Repository.GitIgnorePath));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-bad")]
    [InlineData("has space")]
    [InlineData("../x")]
    public void Bad_machine_label_is_refused(string label)
    {
        using var repo = new TemporaryRepository();
        var error = Assert.Throws<SwarmException>(() => RepositoryInitializer.Initialize(repo.Root, label));
        Assert.Equal("MachineLabelInvalid", error.ErrorId);
        Assert.False(Directory.Exists(repo.Repository.SwarmDirectory));
    }

    [Fact]
    public void Locate_walks_up_to_the_repository_root()
    {
        using var repo = new TemporaryRepository();
        Directory.CreateDirectory(Path.Combine(repo.Root, "a", "b"));
        Assert.Equal(repo.Root, SwarmRepository.Locate(Path.Combine(repo.Root, "a", "b")).Root);
    }

    [Fact]
    public void Store_refuses_an_uninitialised_repository()
    {
        using var repo = new TemporaryRepository();
        var error = Assert.Throws<SwarmException>(() => RunStore.Open(repo.Root));
        Assert.Equal("RepositoryNotInitialized", error.ErrorId);
        Assert.Contains("Initialize-SwarmRepository", error.Remediation);
    }
}
