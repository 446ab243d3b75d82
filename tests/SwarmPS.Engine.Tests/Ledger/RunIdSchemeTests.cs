using System.Collections;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>The repository's run id scheme: chosen once, committed in .swarm/config.json, followed by the store.</summary>
public sealed class RunIdSchemeTests
{
    [Fact]
    public void A_signac_repository_records_its_scheme_for_git_and_gives_signac_ids()
    {
        using var repo = new TemporaryRepository();
        var result = RepositoryInitializer.Initialize(repo.Root, "a", RunIdScheme.Signac);

        Assert.Equal(RunIdScheme.Signac, result.IdScheme);
        Assert.True(result.IdSchemeChanged);
        Assert.Equal("{\n  \"id_scheme\": \"signac\",\n  \"schema_version\": 1\n}\n", File.ReadAllText(repo.Repository.ConfigPath));
        using (var store = RunStore.Open(repo.Root))
        {
            Assert.Equal(RunIdScheme.Signac, store.IdScheme);
            Assert.Equal("9bfd29df07674bc4aa960cf661b5acd2", store.CreateRun(new Hashtable { ["a"] = 0 }).Id);
            // A scheduler's bulk path uses the same scheme: the run already exists under the signac id.
            Assert.Equal(0, store.CreateJobRuns("job-1", 1, [(0L, (object)new Hashtable { ["a"] = 0 })]));
            Assert.Equal("9bfd29df07674bc4aa960cf661b5acd2", store.JobRunIds("job-1", 1)[0]);
        }

        // git commits the config (the .gitignore block re-includes it) and ignores the store beside it.
        repo.Git("add", "-A");
        var staged = repo.Git("diff", "--cached", "--name-only");
        Assert.Contains(".swarm/config.json", staged);
        Assert.DoesNotContain(".swarm/runs.db", staged);
    }

    [Fact]
    public void A_repository_without_config_keeps_the_swarm_scheme_and_writes_nothing()
    {
        using var repo = new TemporaryRepository();
        var result = RepositoryInitializer.Initialize(repo.Root, "a");

        Assert.Equal(RunIdScheme.Swarm, result.IdScheme);
        Assert.False(result.IdSchemeChanged);
        Assert.False(File.Exists(repo.Repository.ConfigPath));
        using var store = RunStore.Open(repo.Root);
        Assert.Equal("bf579a3899ac1776a2ae715bcbe96a82", store.CreateRun(new Hashtable { ["lr"] = 0.1, ["seed"] = 1 }).Id);
    }

    [Fact]
    public void Rerunning_without_a_scheme_keeps_the_recorded_one_and_the_same_one_changes_nothing()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a", RunIdScheme.Signac);

        Assert.Equal(RunIdScheme.Signac, RepositoryInitializer.Initialize(repo.Root).IdScheme);
        var same = RepositoryInitializer.Initialize(repo.Root, null, RunIdScheme.Signac);
        Assert.Equal(RunIdScheme.Signac, same.IdScheme);
        Assert.False(same.IdSchemeChanged);
    }

    [Fact]
    public void Changing_a_recorded_scheme_is_refused_without_force_and_nothing_is_written()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a", RunIdScheme.Signac);
        var before = File.ReadAllText(repo.Repository.ConfigPath);

        var error = Assert.Throws<SwarmException>(() => RepositoryInitializer.Initialize(repo.Root, null, RunIdScheme.Swarm));

        Assert.Equal("IdSchemeChangeRefused", error.ErrorId);
        Assert.Contains("signac scheme", error.Message);
        Assert.Contains("-Force", error.Remediation);
        Assert.Equal(before, File.ReadAllText(repo.Repository.ConfigPath));
    }

    [Fact]
    public void Choosing_signac_for_a_repository_that_already_has_swarm_runs_needs_force_and_says_what_keeps_its_id()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        string swarmId;
        using (var store = RunStore.Open(repo.Root))
        {
            swarmId = store.CreateRun(new Hashtable { ["lr"] = 0.1, ["seed"] = 1 }).Id;
        }

        var refused = Assert.Throws<SwarmException>(() => RepositoryInitializer.Initialize(repo.Root, null, RunIdScheme.Signac));
        Assert.Equal("IdSchemeChangeRefused", refused.ErrorId);
        Assert.Contains("1 runs", refused.Message);
        Assert.False(File.Exists(repo.Repository.ConfigPath));

        var forced = RepositoryInitializer.Initialize(repo.Root, null, RunIdScheme.Signac, force: true);

        Assert.Equal(RunIdScheme.Signac, forced.IdScheme);
        var warning = Assert.Single(forced.Warnings, w => w.Code == "IdSchemeChanged");
        Assert.Contains("keep their swarm ids", warning.Message);
        using var after = RunStore.Open(repo.Root);
        Assert.NotNull(after.Find(swarmId));
        Assert.NotEqual(swarmId, after.CreateRun(new Hashtable { ["lr"] = 0.1, ["seed"] = 1 }).Id);
    }

    [Theory]
    [InlineData("not json", "is not JSON")]
    [InlineData("[]", "is not a JSON object")]
    [InlineData("{\"id_scheme\": \"md5\", \"schema_version\": 1}", "'md5'")]
    [InlineData("{\"id_scheme\": \"signac\", \"schema_version\": 2}", "schema_version 2")]
    [InlineData("{\"id_scheme\": \"signac\"}", "schema_version missing")]
    [InlineData("{\"schema_version\": 1}", "no 'id_scheme'")]
    [InlineData("{\"id_scheme\": \"signac\", \"schema_version\": 1, \"hash\": \"sha1\"}", "'hash'")]
    [InlineData("{\"id_scheme\": \"swarm\", \"id_scheme\": \"signac\", \"schema_version\": 1}", "twice")]
    public void A_bad_config_is_refused_by_name_before_any_run_gets_an_id(string text, string named)
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        File.WriteAllText(repo.Repository.ConfigPath, text);

        var error = Assert.Throws<SwarmException>(() => RunStore.Open(repo.Root));

        Assert.Equal("RepositoryConfigInvalid", error.ErrorId);
        Assert.Contains(named, error.Message);
        Assert.Contains("git checkout -- .swarm/config.json", error.Remediation);
    }

    [Fact]
    public void A_config_that_is_a_link_or_a_fifo_is_refused_without_following_or_blocking()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        var target = Path.Combine(repo.Root, "elsewhere.json");
        File.WriteAllText(target, "{\"id_scheme\": \"signac\", \"schema_version\": 1}");
        File.CreateSymbolicLink(repo.Repository.ConfigPath, target);
        Assert.Equal("RepositoryConfigInvalid", Assert.Throws<SwarmException>(() => RunStore.Open(repo.Root)).ErrorId);

        File.Delete(repo.Repository.ConfigPath);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", repo.Repository.ConfigPath))
        {
            mkfifo.WaitForExit();
        }

        Assert.Equal("RepositoryConfigInvalid", Assert.Throws<SwarmException>(() => RunStore.Open(repo.Root)).ErrorId);
    }
}
