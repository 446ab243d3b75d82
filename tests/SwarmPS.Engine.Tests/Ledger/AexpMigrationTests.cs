using System.Security.Cryptography;
using System.Text.Json;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// A migration from aexp 0.6: an aexp ledger written by real Python (tests/python/make_aexp_ledger.py, with
/// planted bad files), findings citing its job ids, Test-SwarmCitation's view before and after
/// Convert-SwarmLedger -From Aexp, and the conversion itself: counts, sanitized output, same ids, idempotency,
/// conflicts kept, the aexp files untouched, and the repositories it refuses.
/// </summary>
public sealed class AexpMigrationTests : IDisposable
{
    private const string Unknown = "0123456789abcdef0123456789abcdef";
    private const int Count = 14;

    private readonly string _workspace = Path.Combine(Path.GetTempPath(), "swarmps-aexp-" + Guid.NewGuid().ToString("N")[..12]);

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
    public void Citations_of_aexp_runs_warn_until_converted_and_the_conversion_is_sanitized_idempotent_and_keeps_conflicts()
    {
        using var repo = NewRepository(RunIdScheme.Signac);
        var made = MakeAexpLedger(repo.Root, Count);
        var complete = made.Entry(0, "complete");
        var failed = made.Entry(1, "failed");
        var running = made.Entry(2, "running");
        repo.Write("findings/lr.md", $"""
            ---
            cites:
              runs:
                - {complete.Id}
                - {failed.Id}
                - {running.Id}
                - {Unknown}
                - {made.Bad["notjson"]}
              batches:
                - experiment: lr-sweep
                  status: complete
                - experiment: ablation
                  status: failed
            ---
            Text.
            """);

        // Before the conversion: the aexp runs and batches are warnings naming the fix; a run in neither ledger
        // (nor in a bad aexp file) is still broken; each planted file is a warning.
        var before = CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "findings"));
        Assert.Equal(
            new[] { ("BrokenRunCitation", 7), ("BrokenRunCitation", 8) },
            before.Where(f => f.Severity == FindingSeverity.Error).Select(f => (f.Code, f.Line)).ToArray());
        Assert.Equal(new[] { Unknown, made.Bad["notjson"] }.Order(StringComparer.Ordinal), before.Where(f => f.Code == "BrokenRunCitation").Select(f => f.CitedId!).Order(StringComparer.Ordinal));
        var cited = before.Where(f => f.Code == CitationValidator.CitedInAexpLedgerCode).ToList();
        Assert.All(cited, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
        Assert.Equal(new[] { 4, 5, 6, 10, 12 }, cited.Select(f => f.Line));
        Assert.All(cited, f => Assert.Contains("Convert-SwarmLedger -From Aexp", f.Message));
        Assert.All(cited, f => Assert.Contains(".aexp/ledger", f.Message));
        Assert.Contains("running there", cited.Single(f => f.CitedId == running.Id).Message);
        var invalid = before.Where(f => f.Code == AexpEntryParser.InvalidCode).ToList();
        Assert.All(invalid, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
        Assert.Equal(
            made.Bad.Values.Select(id => $".aexp/ledger/{id}.json").Append(".aexp/ledger/notes.json").Order(StringComparer.Ordinal),
            invalid.Select(f => f.File!).Order(StringComparer.Ordinal));
        Assert.Contains("is a symbolic link", invalid.Single(f => f.CitedId == made.Bad["symlink"]).Message);
        Assert.Contains("is a FIFO", invalid.Single(f => f.CitedId == made.Bad["fifo"]).Message);
        Assert.Contains("larger than", invalid.Single(f => f.CitedId == made.Bad["oversized"]).Message);
        Assert.Contains("schema_version 2", invalid.Single(f => f.CitedId == made.Bad["schema"]).Message);
        Assert.Contains("job_id", invalid.Single(f => f.CitedId == made.Bad["mismatch"]).Message);
        Assert.Contains("not valid JSON", invalid.Single(f => f.CitedId == made.Bad["notjson"]).Message);
        Assert.Equal(before.Count, 2 + cited.Count + invalid.Count);

        // The plan (what -WhatIf shows) writes nothing.
        var aexpBefore = Snapshot(Path.Combine(repo.Root, ".aexp", "ledger"));
        var plan = AexpConverter.Plan(repo.Repository);
        Assert.Equal((8, 0, 0, 6, 7), (plan.ToConvert, plan.Unchanged, plan.Conflicts, plan.Skipped, plan.Invalid));
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Repository.LedgerDirectory));

        var result = AexpConverter.Apply(plan);
        Assert.Equal((8, 0, 0, 6, 7, 0), (result.Converted, result.Unchanged, result.Conflicts, result.Skipped, result.Invalid, result.Failed));
        Assert.Equal(6, result.Findings.Count(f => f.Code == AexpConverter.LiveCode && f.Severity == FindingSeverity.Warning));
        Assert.Equal(7, result.Findings.Count(f => f.Code == AexpEntryParser.InvalidCode));
        Assert.Equal(13, result.Findings.Count);

        // Same ids, sanitized as a promotion is, only the allow-listed fields, 0600, valid for Test-SwarmLedger.
        var terminal = made.Entries.Where(e => e.Status is "complete" or "failed" or "abandoned" or "stopped").ToList();
        Assert.Equal(
            terminal.Select(e => e.Id + ".json").Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(repo.Repository.LedgerDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var aexp in terminal)
        {
            var path = repo.Repository.LedgerEntryPath(aexp.Id);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            var bytes = File.ReadAllBytes(path);
            var (entry, problem) = LedgerEntryParser.Parse(bytes, aexp.Id + ".json");
            Assert.Null(problem);
            Assert.Equal(aexp.Status, entry!.Status.ToName());
            Assert.Equal(aexp.Experiments, entry.Experiments);
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            Assert.Equal(LedgerProjection.Fields, root.EnumerateObject().Select(p => p.Name));
            var statepoint = root.GetProperty("statepoint");
            Assert.Equal(LedgerProjection.Redacted, statepoint.GetProperty("api_token").GetString());
            Assert.Equal("<path>/train.csv", statepoint.GetProperty("data").GetString());
            Assert.Equal(aexp.Statepoint.GetProperty("seed").GetInt32(), statepoint.GetProperty("seed").GetInt32());
            Assert.Equal("mlp", statepoint.GetProperty("model").GetProperty("name").GetString());
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            Assert.DoesNotContain("secret", text);
            Assert.DoesNotContain("workdir", text);
            Assert.DoesNotContain("launched by bob", text);
            Assert.DoesNotContain(_workspace, text);
            Assert.Equal($"https://mlflow.example.org/runs/{aexp.Statepoint.GetProperty("seed").GetInt32()}", root.GetProperty("tracker").GetProperty("url").GetString());
            Assert.Equal("2026-03-01T12:42:10.513Z", root.GetProperty("ended_at").GetString());
            Assert.Equal("2026-03-01T12:01:00.000Z", root.GetProperty("started_at").GetString());
            Assert.Equal(2470.513, root.GetProperty("wall_seconds").GetDouble());
            Assert.EndsWith("\n", text);
        }

        Assert.Empty(LedgerValidator.Validate(repo.Repository));
        Assert.Equal(aexpBefore, Snapshot(Path.Combine(repo.Root, ".aexp", "ledger")));

        // After the conversion the converted runs and the batches resolve in the SwarmPS ledger; the live
        // aexp run still warns, the made-up id is still broken.
        var after = CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "findings"));
        Assert.Equal(running.Id, Assert.Single(after, f => f.Code == CitationValidator.CitedInAexpLedgerCode).CitedId);
        Assert.Equal(2, after.Count(f => f.Code == "BrokenRunCitation"));
        Assert.DoesNotContain(after, f => f.Code == "EmptyBatch");

        // Idempotent: nothing is rewritten the second time.
        var written = terminal.ToDictionary(e => e.Id, e => (File.ReadAllBytes(repo.Repository.LedgerEntryPath(e.Id)), File.GetLastWriteTimeUtc(repo.Repository.LedgerEntryPath(e.Id))));
        var again = AexpConverter.Convert(repo.Repository);
        Assert.Equal((0, 8, 0, 6, 7, 0), (again.Converted, again.Unchanged, again.Conflicts, again.Skipped, again.Invalid, again.Failed));
        foreach (var (id, (bytes, time)) in written)
        {
            Assert.Equal(bytes, File.ReadAllBytes(repo.Repository.LedgerEntryPath(id)));
            Assert.Equal(time, File.GetLastWriteTimeUtc(repo.Repository.LedgerEntryPath(id)));
        }

        // An entry that differs only in promoted_at is unchanged; one that differs otherwise is a conflict, kept.
        var promotedOnly = repo.Repository.LedgerEntryPath(terminal[0].Id);
        File.WriteAllText(promotedOnly, File.ReadAllText(promotedOnly).Replace(JsonDocument.Parse(File.ReadAllBytes(promotedOnly)).RootElement.GetProperty("promoted_at").GetString()!, "2020-01-01T00:00:00.000Z"));
        var edited = repo.Repository.LedgerEntryPath(terminal[1].Id);
        var editedText = File.ReadAllText(edited).Replace("\"machine\": \"", "\"machine\": \"edited-");
        File.WriteAllText(edited, editedText);
        var third = AexpConverter.Convert(repo.Repository);
        Assert.Equal((0, 7, 1), (third.Converted, third.Unchanged, third.Conflicts));
        var conflict = Assert.Single(third.Findings, f => f.Code == AexpConverter.ConflictCode);
        Assert.Equal((FindingSeverity.Error, terminal[1].Id, $".aexp/ledger/{terminal[1].Id}.json"), (conflict.Severity, conflict.CitedId, conflict.File));
        Assert.Contains("kept as it is", conflict.Message);
        Assert.Equal(editedText, File.ReadAllText(edited));
        Assert.Contains("2020-01-01T00:00:00.000Z", File.ReadAllText(promotedOnly));
        Assert.Equal(aexpBefore, Snapshot(Path.Combine(repo.Root, ".aexp", "ledger")));
    }

    [Fact]
    public void A_repository_of_swarm_ids_is_refused_with_IdSchemeMismatch_and_nothing_is_written()
    {
        using var repo = NewRepository(RunIdScheme.Swarm);
        MakeAexpLedger(repo.Root, 3);
        var error = Assert.Throws<SwarmException>(() => AexpConverter.Plan(repo.Repository));
        Assert.Equal("IdSchemeMismatch", error.ErrorId);
        Assert.Contains("Convert-SwarmLedger -From Aexp", error.Message);
        Assert.Contains("-IdScheme Signac", error.Remediation);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Repository.LedgerDirectory));
    }

    [Fact]
    public void A_missing_or_linked_aexp_ledger_is_an_error_for_the_conversion_and_a_warning_for_citations()
    {
        using var repo = NewRepository(RunIdScheme.Signac);
        Assert.Equal("AexpLedgerNotFound", Assert.Throws<SwarmException>(() => AexpConverter.Plan(repo.Repository)).ErrorId);

        var elsewhere = Path.Combine(_workspace, "elsewhere");
        var made = MakeAexpLedger(elsewhere, 2);
        Directory.CreateDirectory(Path.Combine(repo.Root, ".aexp"));
        Directory.CreateSymbolicLink(Path.Combine(repo.Root, ".aexp", "ledger"), Path.Combine(elsewhere, ".aexp", "ledger"));
        var error = Assert.Throws<SwarmException>(() => AexpConverter.Plan(repo.Repository));
        Assert.Equal("AexpLedgerLinked", error.ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Repository.LedgerDirectory));

        repo.Write("f.md", $"---\ncites:\n  runs:\n    - {made.Entries[0].Id}\n---\n");
        var findings = CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md"));
        Assert.Equal(new[] { ("AexpLedgerLinked", FindingSeverity.Warning), ("BrokenRunCitation", FindingSeverity.Error) }, findings.Select(f => (f.Code, f.Severity)).Order());
    }

    [Fact]
    public void A_linked_swarm_ledger_directory_is_refused()
    {
        using var repo = NewRepository(RunIdScheme.Signac);
        MakeAexpLedger(repo.Root, 2);
        var target = Path.Combine(_workspace, "ledger-target");
        Directory.CreateDirectory(target);
        Directory.Delete(repo.Repository.LedgerDirectory);
        Directory.CreateSymbolicLink(repo.Repository.LedgerDirectory, target);
        Assert.Equal(LedgerPromoter.DirectoryLinkedId, Assert.Throws<SwarmException>(() => AexpConverter.Plan(repo.Repository)).ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
    }

    [Fact]
    public void Without_an_aexp_directory_citations_are_checked_as_before()
    {
        using var repo = NewRepository(RunIdScheme.Signac);
        repo.Write("f.md", $"---\ncites:\n  runs:\n    - {Unknown}\n  batches:\n    - experiment: lr-sweep\n---\n");
        var findings = CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md"));
        Assert.Equal(new[] { "BrokenRunCitation", "EmptyBatch" }, findings.Select(f => f.Code));
        Assert.All(findings, f => Assert.Equal(FindingSeverity.Error, f.Severity));
    }

    [Fact]
    public void Before_Initialize_SwarmRepository_an_aexp_ledger_still_resolves_citations()
    {
        using var repo = new TemporaryRepository(path: Path.Combine(_workspace, "plain"));
        var made = MakeAexpLedger(repo.Root, 1);
        repo.Write("f.md", $"---\ncites:\n  runs:\n    - {made.Entries[0].Id}\n---\n");
        var finding = Assert.Single(CitationValidator.Validate(repo.Repository, Path.Combine(repo.Root, "f.md")));
        Assert.Equal((CitationValidator.CitedInAexpLedgerCode, FindingSeverity.Warning), (finding.Code, finding.Severity));
    }

    [Fact]
    public void A_minimal_entry_converts_with_unknown_times_and_the_repository_redaction_patterns()
    {
        using var repo = NewRepository(RunIdScheme.Signac);
        repo.Write(".swarm/redact.txt", "wandb_key\n");
        var id = Md5("{\"WANDB_KEY\": \"w-123\", \"lr\": 0.5}");
        repo.Write($".aexp/ledger/{id}.json", $$$"""{"schema_version": 1, "job_id": "{{{id}}}", "statepoint": {"lr": 0.5, "WANDB_KEY": "w-123"}, "status": "complete", "future_field": {"x": 1}}""");
        var result = AexpConverter.Convert(repo.Repository);
        Assert.Equal(1, result.Converted);
        var text = File.ReadAllText(repo.Repository.LedgerEntryPath(id));
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        Assert.Equal(LedgerProjection.Redacted, root.GetProperty("statepoint").GetProperty("WANDB_KEY").GetString());
        Assert.Equal(0.5, root.GetProperty("statepoint").GetProperty("lr").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("created_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("tracker").ValueKind);
        Assert.Equal("", root.GetProperty("machine").GetString());
        Assert.DoesNotContain("future_field", text);
        Assert.DoesNotContain("w-123", text);
        Assert.Null(LedgerEntryParser.Parse(File.ReadAllBytes(repo.Repository.LedgerEntryPath(id)), id + ".json").Problem);
    }

    [Theory]
    [InlineData("\"status\": \"Complete\"", "status")]
    [InlineData("\"status\": \"finished\"", "status")]
    [InlineData("\"status\": \"complete\", \"machine\": \"has space\"", "machine")]
    [InlineData("\"status\": \"complete\", \"experiments\": [\"../up\"]", "experiments")]
    [InlineData("\"status\": \"complete\", \"experiments\": \"lr-sweep\"", "experiments")]
    [InlineData("\"status\": \"complete\", \"wall_seconds\": -1", "wall_seconds")]
    [InlineData("\"status\": \"complete\", \"wall_seconds\": \"12\"", "wall_seconds")]
    [InlineData("\"status\": \"complete\", \"ended_at\": \"yesterday\"", "ended_at")]
    [InlineData("\"status\": \"complete\", \"code\": {\"commit\": \"not a commit\"}", "code.commit")]
    [InlineData("\"status\": \"complete\", \"code\": {\"dirty\": \"yes\"}", "code.dirty")]
    [InlineData("\"status\": \"complete\", \"tracker\": {\"url\": \"https://x.example.org\"}", "backend")]
    [InlineData("\"status\": \"complete\", \"status\": \"failed\"", "twice")]
    [InlineData("\"status\": \"complete\", \"statepoint\": [1]", "twice")]
    public void A_field_that_is_not_what_an_aexp_entry_may_hold_is_a_finding(string fields, string named)
    {
        const string Id = "9bfd29df07674bc4aa960cf661b5acd2";
        var text = $$"""{"schema_version": 1, "job_id": "{{Id}}", "statepoint": {"a": 0}, {{fields}}}""";
        var (entry, problem) = AexpEntryParser.Parse(System.Text.Encoding.UTF8.GetBytes(text), Id + ".json");
        Assert.Null(entry);
        Assert.Equal((AexpEntryParser.InvalidCode, FindingSeverity.Error, $".aexp/ledger/{Id}.json", Id), (problem!.Code, problem.Severity, problem.File, problem.CitedId));
        Assert.Contains(named, problem.Message);
    }

    [Theory]
    [InlineData("{\"job_id\": \"9bfd29df07674bc4aa960cf661b5acd2\", \"statepoint\": {\"a\": 0}, \"status\": \"complete\"}", "schema_version")]
    [InlineData("{\"schema_version\": 1, \"statepoint\": {\"a\": 0}, \"status\": \"complete\"}", "job_id")]
    [InlineData("{\"schema_version\": 1, \"job_id\": \"9bfd29df07674bc4aa960cf661b5acd2\", \"status\": \"complete\"}", "statepoint")]
    [InlineData("{\"schema_version\": 1, \"job_id\": \"9bfd29df07674bc4aa960cf661b5acd2\", \"statepoint\": {\"a\": 0}}", "status")]
    [InlineData("[1, 2]", "not an object")]
    public void A_missing_required_field_is_a_finding(string text, string named)
    {
        var (entry, problem) = AexpEntryParser.Parse(System.Text.Encoding.UTF8.GetBytes(text), "9bfd29df07674bc4aa960cf661b5acd2.json");
        Assert.Null(entry);
        Assert.Contains(named, problem!.Message);
    }

    private TemporaryRepository NewRepository(RunIdScheme scheme)
    {
        var repo = new TemporaryRepository(path: Path.Combine(_workspace, "repo-" + Guid.NewGuid().ToString("N")[..6]));
        RepositoryInitializer.Initialize(repo.Root, "laptop", scheme);
        return repo;
    }

    private static string Md5(string text) => Convert.ToHexString(MD5.HashData(System.Text.Encoding.ASCII.GetBytes(text))).ToLowerInvariant();

    /// <summary>Every entry of the directory, by name: a link's target, "special" for a FIFO (never opened), else the bytes' hash.</summary>
    private static SortedDictionary<string, string> Snapshot(string directory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            string kind;
            if (new FileInfo(path).LinkTarget is { } target)
            {
                kind = "link:" + target;
            }
            else
            {
                try
                {
                    SwarmPS.Engine.Files.BoundedFileRead.IsRegularFile(path, followLinks: false);
                    kind = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
                }
                catch (SwarmPS.Engine.Files.FileRefusedException)
                {
                    kind = "special";
                }
            }

            files[Path.GetFileName(path)] = kind;
        }

        return files;
    }

    private static AexpLedgerMade MakeAexpLedger(string repositoryRoot, int count)
    {
        Directory.CreateDirectory(repositoryRoot);
        var output = PythonScript.RunFile(Path.Combine(RepositoryRoot.Path, "tests", "python", "make_aexp_ledger.py"), repositoryRoot, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var document = JsonDocument.Parse(output);
        var entries = document.RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => new AexpMade(
                e.GetProperty("id").GetString()!,
                e.GetProperty("status").GetString()!,
                e.GetProperty("experiments").EnumerateArray().Select(x => x.GetString()!).ToList(),
                e.GetProperty("statepoint").Clone()))
            .ToList();
        var bad = document.RootElement.GetProperty("bad").EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String)
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new AexpLedgerMade(entries, bad);
    }

    private sealed record AexpMade(string Id, string Status, List<string> Experiments, JsonElement Statepoint);

    private sealed record AexpLedgerMade(List<AexpMade> Entries, Dictionary<string, string> Bad)
    {
        public AexpMade Entry(int index, string status)
        {
            Assert.Equal(status, Entries[index].Status);
            return Entries[index];
        }
    }
}
