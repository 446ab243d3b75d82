using System.Text.Json;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// Import-SwarmSignacProject's engine: a signac layout made by real Python (tests/python/make_signac_project.py,
/// ids by hashlib.md5 of json.dumps(sort_keys=True)), with planted bad entries, imported into a real repository
/// and SQLite store. Twenty jobs: by i % 5 complete, failed, running, no status, an unknown word.
/// </summary>
public sealed class SignacImportTests
{
    private const int Jobs = 20;

    [Fact]
    public void A_python_made_project_is_imported_under_its_directory_names_and_its_terminal_jobs_reach_the_ledger()
    {
        using var repo = SignacRepository();
        var made = MakeProject(repo, Jobs);

        var plan = SignacImporter.Plan(repo.Root, ProjectPath(repo));

        // Planning writes nothing: no run, no ledger entry.
        Assert.Equal(0, CountRuns(repo));
        Assert.Empty(LedgerFiles(repo));
        Assert.Equal((20, 0, 8, 0, 0, 1, 10), (plan.Imports, plan.Updates, plan.Promotions, plan.Skipped, plan.Conflicts, plan.Mismatched, plan.Invalid));
        Assert.Contains("Import 20 signac job(s)", plan.Summary);

        var result = SignacImporter.Apply(plan);

        Assert.Equal((20, 0, 0, 0, 1, 10, 8), (result.Imported, result.Updated, result.Skipped, result.Conflicts, result.Mismatched, result.Invalid, result.Promoted));
        Assert.Equal(ProjectPath(repo), result.ProjectPath);
        Assert.Equal(10, result.Findings.Count(f => f.Code == SignacFindingCodes.JobInvalid));
        Assert.Equal(1, result.Findings.Count(f => f.Code == SignacFindingCodes.IdMismatch));
        Assert.Equal(4, result.Findings.Count(f => f.Code == SignacFindingCodes.StatusUnknown));
        Assert.Equal(15, result.Findings.Count);
        Assert.All(result.Findings, f => Assert.StartsWith("workspace/", f.File));

        using var store = RunStore.Open(repo.Root);
        var runs = store.List().ToDictionary(r => r.Id);
        Assert.Equal(made.Ids.Keys.Order(), runs.Keys.Order());
        foreach (var (id, status) in made.Ids)
        {
            Assert.Equal(status, runs[id].Status.ToName());
            Assert.Equal(Path.Combine(ProjectPath(repo), "workspace", id), runs[id].WorkingDirectory);
            // The stored statepoint hashes, by signac's recipe, to the directory it came from.
            using var statepoint = JsonDocument.Parse(runs[id].Statepoint);
            Assert.Equal(id, SignacJobId.FromStatepoint(statepoint.RootElement));
        }

        var terminal = made.Ids.Where(p => p.Value is "complete" or "failed").Select(p => p.Key).Order().ToList();
        Assert.Equal(terminal, LedgerFiles(repo).Keys.Order().ToList());
        var entry = LedgerReader.ReadOne(repo.Repository, terminal[0]);
        Assert.Equal(made.Ids[terminal[0]], entry.Status.ToName());
    }

    [Fact]
    public void Each_planted_bad_entry_is_a_finding_naming_its_file_and_nothing_of_it_is_imported()
    {
        using var repo = SignacRepository();
        MakeProject(repo, 5);

        var result = SignacImporter.Apply(SignacImporter.Plan(repo.Root, ProjectPath(repo)));

        var invalid = result.Findings.Where(f => f.Code == SignacFindingCodes.JobInvalid).ToList();
        Assert.Contains(invalid, f => f.File == "workspace/not-a-job" && f.Message.Contains("32 lowercase hexadecimal"));
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"i\": -4}").ToUpperInvariant()}");
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"broken\": true}")}/signac_statepoint.json" && f.Message.Contains("not JSON"));
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"i\": -5, \"link\": true}")}/signac_statepoint.json" && f.Message.Contains("symbolic link"));
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"fifo\": true, \"i\": -6}")}/signac_statepoint.json" && f.Message.Contains("not a regular file"));
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"file\": true, \"i\": -7}")}" && f.Message.Contains("is a file"));
        Assert.Contains(invalid, f => f.File == "workspace/99914b932bd37a50b983c5e7c90ae93b/signac_statepoint.json" && f.Message.Contains("empty"));
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"i\": -8, \"linked-dir\": true}")}" && f.Message.Contains("symbolic link"));
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"i\": -9, \"missing\": true}")}" && f.Message.Contains("has no signac_statepoint.json"));
        Assert.Contains(invalid, f => f.File == $"workspace/{Md5("{\"x\": NaN}")}/signac_statepoint.json" && f.Message.Contains("not JSON"));
        Assert.Equal(10, invalid.Count);

        var mismatch = Assert.Single(result.Findings, f => f.Code == SignacFindingCodes.IdMismatch);
        Assert.Equal(Md5("{\"i\": -1}"), mismatch.CitedId);
        Assert.Contains(Md5("{\"i\": -1, \"renamed\": true}"), mismatch.Message);

        var unknown = Assert.Single(result.Findings, f => f.Code == SignacFindingCodes.StatusUnknown);
        Assert.Contains("'half-done'", unknown.Message);
        Assert.EndsWith("/signac_job_document.json", unknown.File);

        using var store = RunStore.Open(repo.Root);
        Assert.Equal(5, store.CountRuns());
        Assert.Equal(RunStatus.Created, store.Get(unknown.CitedId!).Status);
        Assert.Null(store.Find(Md5("{\"i\": -1}")));
        Assert.Null(store.Find(Md5("{\"i\": -1, \"renamed\": true}")));
    }

    [Fact]
    public void Importing_again_imports_nothing_skips_every_job_and_rewrites_no_ledger_entry()
    {
        using var repo = SignacRepository();
        MakeProject(repo, Jobs);
        SignacImporter.Apply(SignacImporter.Plan(repo.Root, ProjectPath(repo)));
        var before = LedgerFiles(repo);
        string runsBefore;
        using (var store = RunStore.Open(repo.Root))
        {
            runsBefore = JsonSerializer.Serialize(store.List());
        }

        var plan = SignacImporter.Plan(repo.Root, ProjectPath(repo));
        var again = SignacImporter.Apply(plan);

        Assert.Empty(plan.Changes);
        Assert.Equal((0, 0, 20, 0, 1, 10, 0), (again.Imported, again.Updated, again.Skipped, again.Conflicts, again.Mismatched, again.Invalid, again.Promoted));
        Assert.Equal(before, LedgerFiles(repo));
        using (var store = RunStore.Open(repo.Root))
        {
            Assert.Equal(runsBefore, JsonSerializer.Serialize(store.List()));
        }
    }

    [Fact]
    public void A_live_run_follows_its_document_and_a_terminal_one_that_disagrees_is_a_conflict_left_as_it_is()
    {
        using var repo = SignacRepository();
        var made = MakeProject(repo, Jobs);
        SignacImporter.Apply(SignacImporter.Plan(repo.Root, ProjectPath(repo)));
        var running = made.Ids.First(p => p.Value == "running").Key;
        var complete = made.Ids.First(p => p.Value == "complete").Key;
        WriteDocument(repo, running, "{\"status\": \"complete\"}");
        WriteDocument(repo, complete, "{\"status\": \"failed\"}");
        var completeEntry = File.ReadAllBytes(repo.Repository.LedgerEntryPath(complete));

        var result = SignacImporter.Apply(SignacImporter.Plan(repo.Root, ProjectPath(repo)));

        Assert.Equal((0, 1, 18, 1, 1), (result.Imported, result.Updated, result.Skipped, result.Conflicts, result.Promoted));
        var conflict = Assert.Single(result.Findings, f => f.Code == SignacFindingCodes.StatusConflict);
        Assert.Equal(complete, conflict.CitedId);
        Assert.Contains("is complete in this machine's store, but its job document says failed", conflict.Message);
        Assert.Equal(completeEntry, File.ReadAllBytes(repo.Repository.LedgerEntryPath(complete)));
        Assert.Equal(RunStatus.Complete, LedgerReader.ReadOne(repo.Repository, running).Status);
        using var store = RunStore.Open(repo.Root);
        Assert.Equal(RunStatus.Complete, store.Get(complete).Status);
        Assert.Equal(RunStatus.Complete, store.Get(running).Status);
    }

    [Fact]
    public void A_job_already_in_the_ledger_from_another_machine_is_skipped_and_its_entry_kept_byte_for_byte()
    {
        using var first = SignacRepository();
        var made = MakeProject(first, Jobs);
        SignacImporter.Apply(SignacImporter.Plan(first.Root, ProjectPath(first)));

        // A second clone that pulled the ledger but has no store of its own.
        using var second = SignacRepository();
        Directory.CreateDirectory(second.Repository.LedgerDirectory);
        foreach (var file in Directory.GetFiles(first.Repository.LedgerDirectory))
        {
            File.Copy(file, Path.Combine(second.Repository.LedgerDirectory, Path.GetFileName(file)));
        }

        var pulled = LedgerFiles(second);
        var result = SignacImporter.Apply(SignacImporter.Plan(second.Root, ProjectPath(first)));

        Assert.Equal((12, 8, 0, 0), (result.Imported, result.Skipped, result.Conflicts, result.Promoted));
        Assert.Equal(pulled, LedgerFiles(second));
        using var store = RunStore.Open(second.Root);
        Assert.Equal(12, store.CountRuns());
        Assert.All(made.Ids.Where(p => p.Value is "complete" or "failed"), p => Assert.Null(store.Find(p.Key)));
    }

    [Fact]
    public void A_repository_with_swarm_ids_is_refused_before_anything_is_read_or_written()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a");
        MakeProject(repo, 5);

        var error = Assert.Throws<SwarmException>(() => SignacImporter.Plan(repo.Root, ProjectPath(repo)));

        Assert.Equal("IdSchemeMismatch", error.ErrorId);
        Assert.Contains("Import-SwarmSignacProject", error.Message);
        Assert.Contains("-IdScheme Signac", error.Remediation);
        Assert.Equal(0, CountRuns(repo));
    }

    [Fact]
    public void A_directory_without_a_workspace_is_not_a_signac_project()
    {
        using var repo = SignacRepository();
        var empty = Path.Combine(repo.Root, "not-signac");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<SwarmException>(() => SignacImporter.Plan(repo.Root, empty));
        var missing = Assert.Throws<SwarmException>(() => SignacImporter.Plan(repo.Root, Path.Combine(repo.Root, "nowhere")));

        Assert.Equal("SignacProjectNotFound", error.ErrorId);
        Assert.Contains("has no workspace/ directory", error.Message);
        Assert.Contains("workspace/", error.Remediation);
        Assert.Equal("SignacProjectNotFound", missing.ErrorId);
        Assert.Contains("does not exist", missing.Message);
    }

    [Fact]
    public void A_repository_not_initialised_is_refused_by_name()
    {
        using var repo = new TemporaryRepository();
        MakeProject(repo, 1);

        var error = Assert.Throws<SwarmException>(() => SignacImporter.Plan(repo.Root, ProjectPath(repo)));

        Assert.Equal("RepositoryNotInitialized", error.ErrorId);
    }

    [Fact]
    public void A_job_document_that_is_not_an_object_or_gives_no_word_imports_the_run_as_created()
    {
        using var repo = SignacRepository();
        var made = MakeProject(repo, 5);
        var ids = made.Ids.Keys.Order().ToList();
        WriteDocument(repo, ids[0], "[\"complete\"]");
        WriteDocument(repo, ids[1], "{\"status\": 3}");
        WriteDocument(repo, ids[2], "{\"status\": \"COMPLETE\"}");

        var result = SignacImporter.Apply(SignacImporter.Plan(repo.Root, ProjectPath(repo)));

        using var store = RunStore.Open(repo.Root);
        Assert.Equal(RunStatus.Created, store.Get(ids[0]).Status);
        Assert.Equal(RunStatus.Created, store.Get(ids[1]).Status);
        Assert.Equal(RunStatus.Complete, store.Get(ids[2]).Status);
        Assert.Contains(result.Findings, f => f.Code == SignacFindingCodes.StatusUnknown && f.CitedId == ids[0] && f.Message.Contains("not a JSON object"));
        Assert.Contains(result.Findings, f => f.Code == SignacFindingCodes.StatusUnknown && f.CitedId == ids[1] && f.Message.Contains("a JSON number"));
    }

    private static TemporaryRepository SignacRepository()
    {
        var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "a", RunIdScheme.Signac);
        return repo;
    }

    private static int CountRuns(TemporaryRepository repo)
    {
        using var store = RunStore.Open(repo.Root);
        return store.CountRuns();
    }

    private static string ProjectPath(TemporaryRepository repo) => Path.Combine(repo.Root, "signac-project");

    private sealed record Made(Dictionary<string, string> Ids);

    /// <summary>Runs tests/python/make_signac_project.py; returns the ids it made and the status word each should get.</summary>
    private static Made MakeProject(TemporaryRepository repo, int count)
    {
        var output = PythonScript.RunFile(Path.Combine(RepositoryRoot.Path, "tests", "python", "make_signac_project.py"), ProjectPath(repo), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var document = JsonDocument.Parse(output);
        var ids = document.RootElement.GetProperty("ids").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(count, ids.Count);
        return new Made(ids);
    }

    private static void WriteDocument(TemporaryRepository repo, string id, string text) =>
        File.WriteAllText(Path.Combine(ProjectPath(repo), "workspace", id, "signac_job_document.json"), text);

    /// <summary>Every ledger entry's bytes and modification time, by id.</summary>
    private static SortedDictionary<string, string> LedgerFiles(TemporaryRepository repo)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(repo.Repository.LedgerDirectory))
        {
            foreach (var file in Directory.GetFiles(repo.Repository.LedgerDirectory, "*.json"))
            {
                files[Path.GetFileNameWithoutExtension(file)] = Convert.ToHexString(File.ReadAllBytes(file)) + "@" + File.GetLastWriteTimeUtc(file).Ticks;
            }
        }

        return files;
    }

    private static string Md5(string text) =>
        Convert.ToHexString(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
