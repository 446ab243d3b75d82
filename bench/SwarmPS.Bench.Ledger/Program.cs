using System.Collections;
using System.Diagnostics;
using SwarmPS.Engine.Ledger;

// The issue's three ledger figures, measured on a fresh repository in a temporary directory:
//   1. Sync-SwarmLedger over N terminal runs            (goal: < 60 s for 100,000)
//   2. Get-SwarmLedger -Status failed over N entries     (goal: < 1 s for 100,000)
//   3. Test-SwarmCitation: F findings against N entries   (goal: < 2 s for 10,000 against 100,000)
// usage: dotnet run -c Release --project bench/SwarmPS.Bench.Ledger [-- <entries> <findings>]
var entries = args.Length > 0 ? int.Parse(args[0]) : 100_000;
var findingCount = args.Length > 1 ? int.Parse(args[1]) : 10_000;
var root = Path.Combine(Path.GetTempPath(), "swarmps-bench-ledger-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
try
{
    RepositoryInitializer.Initialize(root, "bench");
    var ids = new List<string>(entries);
    var clock = Stopwatch.StartNew();
    using (var store = RunStore.Open(root, new RunStoreOptions { CaptureCodeVersion = false }))
    {
        // Setup, not measured: N runs, every tenth failed, the rest complete, each linked to one of 100
        // experiments. A file squats on the ledger directory meanwhile, so each promotion on a status
        // change fails at once (reported, status kept) and Sync has every entry to write.
        var ledger = Path.Combine(root, ".swarm", "ledger");
        Directory.Delete(ledger);
        File.WriteAllText(ledger, "squatter");
        for (var i = 0; i < entries; i++)
        {
            ids.Add(store.CreateRun(new Hashtable { ["i"] = i, ["lr"] = 0.001 * (i % 17), ["experiment"] = "bench" }).Id);
        }

        Console.WriteLine($"setup: created {entries} runs in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        for (var i = 0; i < entries; i++)
        {
            store.LinkExperiments(ids[i], [$"exp-{i % 100}"]);
            store.SetStatus(ids[i], i % 10 == 0 ? RunStatus.Failed : RunStatus.Complete);
        }

        Console.WriteLine($"setup: finished {entries} runs in {clock.Elapsed.TotalSeconds:F1} s");
        File.Delete(ledger);

        clock.Restart();
        var sync = store.Sync();
        var syncSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"sync: {sync.Promoted} promoted, {sync.Skipped} skipped, {sync.Failed} failed in {syncSeconds:F2} s (goal < 60 s)");
    }

    var repository = SwarmRepository.At(root);
    LedgerReader.Read(repository, new LedgerQuery { Statuses = [RunStatus.Failed] }); // warm the page cache once, as a second call would
    clock.Restart();
    var failed = LedgerReader.Read(repository, new LedgerQuery { Statuses = [RunStatus.Failed] });
    Console.WriteLine($"get-ledger -Status failed: {failed.Entries.Count} of {entries} entries in {clock.Elapsed.TotalSeconds:F3} s (goal < 1 s)");

    // Findings: each cites five runs (one made up) and every twentieth also a batch.
    var findings = Path.Combine(root, "findings");
    Directory.CreateDirectory(findings);
    var random = new Random(6);
    for (var f = 0; f < findingCount; f++)
    {
        var cited = Enumerable.Range(0, 4).Select(_ => ids[random.Next(ids.Count)]).Append($"{f:x32}");
        var batch = f % 20 == 0 ? $"\n  batches:\n    - experiment: exp-{f % 100}\n      status: [complete, failed]" : "";
        File.WriteAllText(Path.Combine(findings, $"finding-{f:D5}.md"), $"---\ntitle: finding {f}\ncites:\n  runs:\n{string.Join("\n", cited.Select(id => "    - " + id))}{batch}\n---\nText.\n");
    }

    clock.Restart();
    var problems = CitationValidator.Validate(repository, findings);
    Console.WriteLine($"test-citation: {findingCount} findings against {entries} entries, {problems.Count} problems, in {clock.Elapsed.TotalSeconds:F3} s (goal < 2 s)");
}
finally
{
    Directory.Delete(root, recursive: true);
}
