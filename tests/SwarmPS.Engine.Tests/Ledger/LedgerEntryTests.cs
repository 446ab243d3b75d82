using System.Collections;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class LedgerEntryTests
{
    [Fact]
    public void Entry_has_no_absolute_path_no_secret_and_no_local_field()
    {
        using var repo = RunStoreTests.Initialized(out var store);
        using (store)
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var run = store.CreateRun(
                new Hashtable
                {
                    ["data"] = Path.Combine(repo.Root, "data", "train.csv"),
                    ["out"] = repo.Root,
                    ["scratch"] = "/scratch/proj/imagenet/",
                    ["cache"] = Path.Combine(home, ".cache", "hf"),
                    ["hf_token"] = "hf_s3cret",
                    ["apiKey"] = "k3y",
                    ["max_tokens"] = 512,
                    ["mirror"] = "https://bob:pw@mirror.example.org/data",
                },
                workingDirectory: Path.Combine(repo.Root, "runs", "r1"));
            store.SetTracker(run.Id, new TrackerPointer("mlflow", "r1", "file:///" + repo.Root + "/mlruns", null), "--tracking-uri file://" + repo.Root);
            store.SetStatus(run.Id, RunStatus.Running);
            store.SetStatus(run.Id, RunStatus.Complete);

            var text = File.ReadAllText(repo.Repository.LedgerEntryPath(run.Id));
            Assert.DoesNotContain(repo.Root, text);
            Assert.DoesNotContain(home + "/", text);
            Assert.DoesNotContain("s3cret", text);
            Assert.DoesNotContain("k3y", text);
            Assert.DoesNotContain("pw@", text);
            Assert.DoesNotContain("tracking-uri", text);
            Assert.DoesNotContain("runs/r1", text);
            Assert.Contains("\"data\": \"./data/train.csv\"", text);
            Assert.Contains("\"out\": \".\"", text);
            Assert.Contains("\"scratch\": \"<path>/imagenet\"", text);
            Assert.Contains("\"cache\": \"~/.cache/hf\"", text);
            Assert.Contains("\"hf_token\": \"<redacted>\"", text);
            Assert.Contains("\"max_tokens\": 512", text);
            Assert.Contains("\"url\": null", text);

            using var document = System.Text.Json.JsonDocument.Parse(text);
            Assert.Equal(LedgerProjection.Fields, document.RootElement.EnumerateObject().Select(p => p.Name));
        }
    }

    [Fact]
    public void Two_promotions_are_byte_identical_except_promoted_at()
    {
        using var repo = RunStoreTests.Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(new Hashtable { ["lr"] = 0.001, ["name"] = "Ünïcode", ["layers"] = new[] { 64, 32 } });
            store.LinkExperiments(run.Id, ["lr-sweep"]);
            store.SetStatus(run.Id, RunStatus.Running);
            store.SetStatus(run.Id, RunStatus.Failed);
            var path = repo.Repository.LedgerEntryPath(run.Id);
            var first = File.ReadAllBytes(path);
            Assert.True(store.Publish(run.Id).Promoted);
            var second = File.ReadAllBytes(path);

            Assert.NotEqual(first, second);
            var promotedAt = new Regex("\"promoted_at\": \"[^\"]+\"");
            Assert.Equal(promotedAt.Replace(System.Text.Encoding.UTF8.GetString(first), ""), promotedAt.Replace(System.Text.Encoding.UTF8.GetString(second), ""));
            Assert.Equal((byte)'\n', second[^1]);
            Assert.DoesNotContain((byte)'\r', second);
            Assert.False(first.Take(3).SequenceEqual(new byte[] { 0xEF, 0xBB, 0xBF }));
        }
    }

    [Fact]
    public void Entry_is_what_python_json_dumps_writes_with_indent_2()
    {
        using var repo = RunStoreTests.Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(new Hashtable { ["lr"] = 1e-5, ["note"] = "ü" });
            store.SetStatus(run.Id, RunStatus.Complete);
            var path = repo.Repository.LedgerEntryPath(run.Id);
            var start = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, StandardOutputEncoding = System.Text.Encoding.UTF8 };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("import json,sys; d=json.load(open(sys.argv[1],encoding='utf-8')); sys.stdout.buffer.write((json.dumps(d, sort_keys=True, indent=2, ensure_ascii=False)+'\\n').encode())");
            start.ArgumentList.Add(path);
            using var python = System.Diagnostics.Process.Start(start)!;
            var rewritten = python.StandardOutput.ReadToEnd();
            python.WaitForExit();
            Assert.Equal(0, python.ExitCode);
            Assert.Equal(File.ReadAllText(path), rewritten);
        }
    }

    [Fact]
    public void Reader_filters_by_status_machine_and_since_and_reports_bad_files()
    {
        using var repo = RunStoreTests.Initialized(out var store);
        using (store)
        {
            var ids = Enumerable.Range(0, 4).Select(i => store.CreateRun(new Hashtable { ["i"] = i }).Id).ToList();
            store.SetStatus(ids[0], RunStatus.Complete);
            store.SetStatus(ids[1], RunStatus.Failed);
            store.SetStatus(ids[2], RunStatus.Failed);
            File.WriteAllText(Path.Combine(repo.Repository.LedgerDirectory, "0000000000000000000000000000000a.json"), "{ not json");
            File.WriteAllText(Path.Combine(repo.Repository.LedgerDirectory, "0000000000000000000000000000000b.json"), "{\"schema_version\": 99, \"status\": \"failed\"}\n");

            var failed = LedgerReader.Read(repo.Repository, new LedgerQuery { Statuses = [RunStatus.Failed] });
            Assert.Equal(new[] { ids[1], ids[2] }.Order(StringComparer.Ordinal), failed.Entries.Select(e => e.Id));
            var unknownSchema = Assert.Single(failed.Problems);
            Assert.Contains("schema_version 99", unknownSchema.Message);

            var all = LedgerReader.Read(repo.Repository);
            Assert.Equal(3, all.Entries.Count);
            Assert.Equal(2, all.Problems.Count);
            Assert.All(all.Problems, p => Assert.Equal("LedgerEntryInvalid", p.Code));

            Assert.Empty(LedgerReader.Read(repo.Repository, new LedgerQuery { Machines = ["laptop"] }).Entries);
            Assert.Equal(3, LedgerReader.Read(repo.Repository, new LedgerQuery { Machines = ["CLUSTER"] }).Entries.Count);
            Assert.Empty(LedgerReader.Read(repo.Repository, new LedgerQuery { Since = DateTimeOffset.UtcNow.AddYears(50) }).Entries);
            Assert.Equal(ids[0], LedgerReader.ReadOne(repo.Repository, ids[0]).Id);
            Assert.Equal("LedgerEntryNotFound", Assert.Throws<SwarmException>(() => LedgerReader.ReadOne(repo.Repository, ids[3])).ErrorId);
            Assert.Equal("LedgerEntryInvalid", Assert.Throws<SwarmException>(() => LedgerReader.ReadOne(repo.Repository, "0000000000000000000000000000000a")).ErrorId);
            Assert.Equal("RunIdMalformed", Assert.Throws<SwarmException>(() => LedgerReader.ReadOne(repo.Repository, "../../etc/passwd")).ErrorId);

            // Asked-for ids with neither an entry nor an unreadable file are reported, each with its id as target.
            var byId = LedgerReader.Read(repo.Repository, new LedgerQuery { Ids = [ids[0], ids[3], "0000000000000000000000000000000a"] });
            Assert.Equal(ids[0], Assert.Single(byId.Entries).Id);
            Assert.Single(byId.Problems);
            var missing = Assert.Single(byId.NotFound);
            Assert.Equal("LedgerEntryNotFound", missing.ErrorId);
            Assert.Equal(ids[3], missing.Target);
            Assert.Contains("Sync-SwarmLedger", missing.Remediation);
            Assert.Empty(all.NotFound);
        }
    }
}
