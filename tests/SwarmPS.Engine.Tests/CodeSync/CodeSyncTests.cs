using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine;
using SwarmPS.Engine.CodeSync;
using SwarmPS.Engine.Sites;
using Xunit;

namespace SwarmPS.Engine.Tests.CodeSync;

/// <summary>The code manifest (listing, hashing, excludes, links) and the skip/ship decision, on a local site.</summary>
public sealed class CodeSyncTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-codesync-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Tree => Path.Combine(_root, "tree");

    private void Write(string relative, string text)
    {
        var path = Path.Combine(Tree, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Tree, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", "user.email=t@t", "-c", "user.name=t" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private static Task<CodeManifest> Build(string root, params string[] excludes) =>
        CodeManifest.BuildAsync(root, excludes, CancellationToken.None);

    [Fact]
    public async Task The_tree_hash_is_sha256_of_one_documented_line_per_file()
    {
        Write("b.txt", "bee");
        Write("a/x.sh", "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(Tree, "a/x.sh"), (UnixFileMode)0b111_101_101);

        var manifest = await Build(Tree);

        string Sha(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
        var expected = Sha($"x 10 {Sha("#!/bin/sh\n")} a/x.sh\nf 3 {Sha("bee")} b.txt\n");
        Assert.Equal(expected, manifest.TreeHash);
        Assert.Equal(new[] { "a/x.sh", "b.txt" }, manifest.Files.Select(file => file.Path));
        Assert.Equal(13, manifest.Bytes);
        Assert.False(manifest.FromGit);
    }

    [Fact]
    public async Task The_hash_changes_with_content_and_the_execute_bit_but_not_with_times()
    {
        Write("a.py", "one");
        var before = (await Build(Tree)).TreeHash;
        File.SetLastWriteTimeUtc(Path.Combine(Tree, "a.py"), DateTime.UtcNow.AddDays(-3));
        Assert.Equal(before, (await Build(Tree)).TreeHash);
        File.SetUnixFileMode(Path.Combine(Tree, "a.py"), (UnixFileMode)0b111_000_000);
        var executable = (await Build(Tree)).TreeHash;
        Assert.NotEqual(before, executable);
        Write("a.py", "two");
        Assert.NotEqual(executable, (await Build(Tree)).TreeHash);
    }

    [Fact]
    public async Task In_a_git_tree_gitignored_files_are_left_out_and_untracked_ones_kept()
    {
        Write(".gitignore", "out/\n*.ckpt\n");
        Write("train.py", "x");
        Write("out/result.txt", "r");
        Write("w.ckpt", "w");
        Write("deleted.py", "d");
        Git("init", "-q", ".");
        Git("add", ".");
        Git("commit", "-qm", "init");
        File.Delete(Path.Combine(Tree, "deleted.py"));
        Write("new.py", "n");

        var manifest = await Build(Tree);

        Assert.True(manifest.FromGit);
        Assert.Equal(new[] { ".gitignore", "new.py", "train.py" }, manifest.Files.Select(file => file.Path));
    }

    [Fact]
    public async Task Outside_git_everything_but_git_folders_and_excludes_is_listed()
    {
        Write("keep.py", "k");
        Write("logs/run.log", "l");
        Write("deep/a/data/x.bin", "x");
        Write("docs/build/page.html", "p");
        Write("docs/other/build/keep.txt", "k");
        Write(".git/config", "c");

        var manifest = await Build(Tree, "*.log", "data", "/docs/build");

        Assert.Equal(new[] { "docs/other/build/keep.txt", "keep.py" }, manifest.Files.Select(file => file.Path));
    }

    [Theory]
    [InlineData("*.log", "a/b/c.log", true)]
    [InlineData("*.log", "a/b.logx", false)]
    [InlineData("results", "x/results/y.txt", true)]
    [InlineData("src/gen", "src/gen/a.py", true)]
    [InlineData("src/gen", "lib/src/gen/a.py", false)]
    [InlineData("src/**/*.pyc", "src/a/b/c.pyc", true)]
    [InlineData("src/**/*.pyc", "src/c.pyc", true)]
    [InlineData("data/", "data/x", true)]
    [InlineData("Data", "data/x", false)]
    public void An_exclude_matches_like_a_gitignore_line(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, new CodeExcludePattern(pattern).Excludes(path));

    [Fact]
    public void An_empty_exclude_is_refused() =>
        Assert.Equal("CodeExcludeInvalid", Assert.Throws<SwarmException>(() => new CodeExcludePattern(" / ")).ErrorId);

    [Fact]
    public async Task A_link_inside_the_tree_is_kept_as_a_link_and_one_outside_is_refused()
    {
        Write("real.py", "r");
        File.CreateSymbolicLink(Path.Combine(Tree, "alias.py"), "real.py");
        var manifest = await Build(Tree);
        var link = Assert.Single(manifest.Files, file => file.Path == "alias.py");
        Assert.Equal("real.py", link.LinkTarget);
        Assert.Equal('l', link.Kind);

        File.CreateSymbolicLink(Path.Combine(Tree, "escape"), "../outside");
        var error = await Assert.ThrowsAsync<SwarmException>(() => Build(Tree));
        Assert.Equal("CodeLinkOutsideTree", error.ErrorId);
    }

    [Fact]
    public async Task A_missing_folder_is_named()
    {
        var error = await Assert.ThrowsAsync<SwarmException>(() => Build(Path.Combine(_root, "nowhere")));
        Assert.Equal("CodePathNotFound", error.ErrorId);
    }

    [Fact]
    public async Task A_local_site_gets_the_tree_once_then_skips_until_it_changes()
    {
        Write("a.py", "one");
        Write("pkg/b.py", "two");
        var site = new SiteProfile { Name = "here", RunRoot = Path.Combine(_root, "runs") };
        var request = new CodeSyncRequest { Site = site, Path = Tree, Name = "exp" };

        var first = await CodeShipper.PlanAsync(request, CancellationToken.None);
        Assert.False(first.Skips);
        Assert.Null(first.OnSite);
        var shipped = await CodeShipper.ShipAsync(first, CancellationToken.None);
        Assert.True(shipped.Shipped);
        Assert.Equal(CodeTransport.Local, shipped.Transport);
        Assert.Equal("two", File.ReadAllText(Path.Combine(_root, "runs/code/exp/pkg/b.py")));

        var second = await CodeShipper.PlanAsync(request, CancellationToken.None);
        Assert.True(second.Skips);
        Assert.False((await CodeShipper.ShipAsync(second, CancellationToken.None)).Shipped);
        Assert.True((await CodeShipper.PlanAsync(request with { Force = true }, CancellationToken.None)) is { Skips: false });
        Assert.Equal(first.Manifest.TreeHash, (await CodeShipper.ReadShippedAsync(site, "exp", CancellationToken.None))?.TreeHash);

        Write("a.py", "changed");
        File.Delete(Path.Combine(Tree, "pkg/b.py"));
        var third = await CodeShipper.PlanAsync(request, CancellationToken.None);
        Assert.False(third.Skips);
        await CodeShipper.ShipAsync(third, CancellationToken.None);
        Assert.Equal("changed", File.ReadAllText(Path.Combine(_root, "runs/code/exp/a.py")));
        Assert.False(File.Exists(Path.Combine(_root, "runs/code/exp/pkg/b.py")));
        Assert.Equal(new[] { "exp" }, Directory.GetFileSystemEntries(Path.Combine(_root, "runs/code")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_ship_that_fails_half_way_leaves_the_old_tree_whole_and_no_staging_folder()
    {
        Write("a.py", "one");
        Write("b.py", "two");
        var site = new SiteProfile { Name = "here", RunRoot = Path.Combine(_root, "runs") };
        var request = new CodeSyncRequest { Site = site, Path = Tree, Name = "exp" };
        await CodeShipper.ShipAsync(await CodeShipper.PlanAsync(request, CancellationToken.None), CancellationToken.None);

        Write("a.py", "changed");
        var plan = await CodeShipper.PlanAsync(request, CancellationToken.None);
        File.Delete(Path.Combine(Tree, "b.py"));
        var error = await Assert.ThrowsAsync<SwarmException>(() => CodeShipper.ShipAsync(plan, CancellationToken.None));

        Assert.Equal("CodeFileVanished", error.ErrorId);
        Assert.Equal("one", File.ReadAllText(Path.Combine(_root, "runs/code/exp/a.py")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(_root, "runs/code/exp/b.py")));
        Assert.Equal(new[] { "exp" }, Directory.GetFileSystemEntries(Path.Combine(_root, "runs/code")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_file_that_changes_size_after_hashing_fails_the_ship()
    {
        Write("a.py", "one");
        var site = new SiteProfile { Name = "here", RunRoot = Path.Combine(_root, "runs") };
        var plan = await CodeShipper.PlanAsync(new CodeSyncRequest { Site = site, Path = Tree, Name = "exp" }, CancellationToken.None);
        Write("a.py", "grown");
        var error = await Assert.ThrowsAsync<SwarmException>(() => CodeShipper.ShipAsync(plan, CancellationToken.None));
        Assert.Equal("CodeFileVanished", error.ErrorId);
        Assert.False(Directory.Exists(Path.Combine(_root, "runs/code/exp")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"tree_hash\":\"short\"}")]
    [InlineData("not json")]
    public void A_damaged_record_on_the_site_is_no_record(string text) => Assert.Null(ShippedCode.TryParse(text));

    [Fact]
    public void A_record_round_trips()
    {
        var record = new ShippedCode { TreeHash = new string('a', 64), Files = 3, Bytes = 9, ShippedAt = DateTimeOffset.UnixEpoch, FromHost = "h" };
        Assert.Equal(record, ShippedCode.TryParse(record.ToJson()));
    }
}
