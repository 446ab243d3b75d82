using System.Diagnostics;
using SwarmPS.Bench.Scheduler;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

// Scheduler benchmarks: planning cost, status calls and parse time for 10,000 tracked tasks, and the
// time to submit 100 arrays, against the local SLURM started by tests/infra/start-slurm.sh.
// Run: dotnet run -c Release --project bench/SwarmPS.Bench.Scheduler [-- --ledger-tasks N]

// Only the ledger figures: dotnet run ... -- --ledger-tasks 100000
if (args is ["--ledger-tasks", var ledgerTasks])
{
    LedgerRuns(int.Parse(ledgerTasks));
    return 0;
}

var slurmConf = Environment.GetEnvironmentVariable("SLURM_CONF") ?? "/tmp/swarmps-infra/slurm/slurm.conf";
Environment.SetEnvironmentVariable("SLURM_CONF", slurmConf);
var root = Directory.CreateTempSubdirectory("swarm-bench-").FullName;
File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
var slurm = new SiteProfile { Name = "bench-slurm", Scheduler = SchedulerKind.Slurm, RunRoot = Path.Combine(root, "runs") };

Console.WriteLine("## Planning (SLURM site, arrays of 1000, pure: no scheduler calls)");
Console.WriteLine("| tasks | plan time (ms) | allocated (MB) | arrays |");
Console.WriteLine("|---:|---:|---:|---:|");
Plan(1000); // warm-up (JIT), not printed
foreach (var n in new[] { 10_000, 100_000, 1_000_000 })
{
    Plan(n, print: true);
}

LedgerRuns(100_000);

if (!File.Exists(slurmConf))
{
    Console.WriteLine($"SLURM is not running ({slurmConf} missing): start it with tests/infra/start-slurm.sh. Scheduler figures not measured.");
    return 1;
}

// ---- 10,000 tracked tasks: 10 arrays of 1000 on the real SLURM, queried while queued.
Console.WriteLine();
Console.WriteLine("## Status of 10,000 tracked tasks (real SLURM, 10 arrays × 1000)");
var store = new JobRecordStore(Path.Combine(root, ".swarm"));
var shell = new CountingShell(LocalShell.Instance);
var big = WavePlanner.Plan(slurm, new[] { "sleep", "600" }, TaskSet.Product(new[] { TaskAxis.Seeds(10_000) }), new JobPlanOptions { MaxArraySize = 1000, Throttle = 1 });
await new JobSubmitter(shell, store).SubmitAsync(big);
var record = store.Get(big.Key);
var before = shell.Calls;
var clock = Stopwatch.StartNew();
var job = (await new JobTracker(shell, store).QueryAsync(slurm, new[] { record }))[0];
var queryMs = clock.Elapsed.TotalMilliseconds;
var statusCalls = shell.Calls - before;

// Parse time alone: re-read the probe's output for the same arrays.
var adapter = new SlurmAdapter();
var tracked = record.Arrays.Select(a => new TrackedArray(a.JobId!, new JobLayout(record.JobRoot, 1), a.Index, a.Count)).ToList();
var probe = await new StatusProbe().RunAsync(LocalShell.Instance, slurm.Name, adapter.BuildStatusSteps(tracked), new[] { new JobLayout(record.JobRoot, 1).StatusDirectory }, default);
var lines = probe.Steps["squeue"].Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
clock.Restart();
const int parseRounds = 20;
for (var i = 0; i < parseRounds; i++)
{
    adapter.ParseStatus(probe.Steps, tracked, new SchedulerSnapshot());
}

var parseMs = clock.Elapsed.TotalMilliseconds / parseRounds;
await new JobCanceller(LocalShell.Instance).CancelAsync(slurm, new[] { record });
Console.WriteLine("| tasks tracked | scheduler calls per Get-SwarmJob | query round trip (ms) | squeue lines | parse (ms) | states seen |");
Console.WriteLine("|---:|---:|---:|---:|---:|---|");
Console.WriteLine($"| {record.TaskCount:N0} | {statusCalls} | {queryMs:F0} | {lines:N0} | {parseMs:F1} | pending {job.Pending:N0}, running {job.Running:N0} |");

// ---- 100 arrays submitted in one wave.
Console.WriteLine();
Console.WriteLine("## Submitting 100 arrays (real SLURM, one sbatch each, record saved after each)");
var hundred = WavePlanner.Plan(slurm, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(100) }), new JobPlanOptions { MaxArraySize = 1 });
var submitShell = new CountingShell(LocalShell.Instance);
clock.Restart();
var result = await new JobSubmitter(submitShell, store).SubmitAsync(hundred);
var submitSeconds = clock.Elapsed.TotalSeconds;
await new JobCanceller(LocalShell.Instance).CancelAsync(slurm, new[] { store.Get(hundred.Key) });
Console.WriteLine("| arrays | sbatch calls | total (s) | per array (ms) |");
Console.WriteLine("|---:|---:|---:|---:|");
Console.WriteLine($"| {result.ArraysSubmitted} | {submitShell.Programs.Count(p => p == "sbatch")} | {submitSeconds:F2} | {submitSeconds * 1000 / result.ArraysSubmitted:F0} |");

Directory.Delete(root, recursive: true);
return 0;

static void Plan(int n, bool print = false)
{
    var site = new SiteProfile { Name = "plan", Scheduler = SchedulerKind.Slurm, RunRoot = "/scratch" };
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var clock = Stopwatch.StartNew();
    var tasks = TaskSet.Product(new[] { TaskAxis.Seeds(n / 100, name: "seed"), TaskAxis.Linspace("x", 0, 1, 100) });
    var plan = WavePlanner.Plan(site, new[] { "python", "train.py" }, tasks, new JobPlanOptions { MaxConcurrentJobs = 50_000, Throttle = 100, TaskDuration = TimeSpan.FromMinutes(3) });
    var ms = clock.Elapsed.TotalMilliseconds;
    var mb = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 1e6;
    if (print)
    {
        Console.WriteLine($"| {n:N0} | {ms:F2} | {mb:F2} | {plan.ArrayCount} |");
    }
}

// ---- Ledger side of a sweep: one run per task in .swarm/runs.db, as Submit/Get/Wait-SwarmJob write them.
static void LedgerRuns(int n)
{
    Console.WriteLine();
    Console.WriteLine($"## Ledger runs for a sweep of {n:N0} tasks (arrays of 1000; SQLite in a temp git-less repository)");
    var repo = Directory.CreateTempSubdirectory("swarm-bench-ledger-").FullName;
    try
    {
        SwarmPS.Engine.Ledger.RepositoryInitializer.Initialize(repo, "bench");
        var tasks = TaskSet.Product(new[] { TaskAxis.Seeds(n, name: "seed"), TaskAxis.Of("lr", new object[] { "0.01" }) });
        var record = new JobRecord { Key = "benchjob", Command = new() { "python", "train.py" }, TaskCount = n };
        var attempt = new AttemptRecord { Number = 1 };
        for (var a = 0; a * 1000 < n; a++)
        {
            attempt.Arrays.Add(new ArrayRecord { Attempt = 1, Index = a, Offset = a * 1000, Count = Math.Min(1000, n - a * 1000), JobId = a.ToString() });
        }

        record.Attempts.Add(attempt);
        // CPU seconds beside the wall-clock ones: on a shared, loaded machine the wall time is mostly waiting.
        Console.WriteLine("| step | time (s) | CPU (s) |");
        Console.WriteLine("|---|---:|---:|");
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        string Lap()
        {
            var now = Process.GetCurrentProcess().TotalProcessorTime;
            var text = $"{clock.Elapsed.TotalSeconds:F2} | {(now - cpu).TotalSeconds:F2}";
            (cpu, clock) = (now, Stopwatch.StartNew());
            return text;
        }

        using var recorder = LedgerRunRecorder.Open(repo);
        recorder.AttemptPlanned(record, attempt, tasks);
        Console.WriteLine($"| create {n:N0} runs (submit, one transaction) | {Lap()} |");
        foreach (var array in attempt.Arrays)
        {
            recorder.ArrayQueued(record, attempt, array);
        }

        Console.WriteLine($"| queue them ({attempt.Arrays.Count} arrays accepted, one transaction each) | {Lap()} |");
        // One poll reports every tracked array at once, as JobTracker does.
        List<ArrayObservation> Poll(Func<int, SwarmTaskState> state) =>
            attempt.Arrays.Select(array => new ArrayObservation(record, attempt, array, Enumerable.Range(0, array.Count).Select(state).ToList())).ToList();
        recorder.TasksObserved(Poll(_ => SwarmTaskState.Running), default);
        Console.WriteLine($"| all seen running (one poll) | {Lap()} |");
        recorder.TasksObserved(Poll(_ => SwarmTaskState.Running), default);
        Console.WriteLine($"| the next poll, nothing new | {Lap()} |");
        recorder.TasksObserved(Poll(i => i % 10 == 0 ? SwarmTaskState.Failed : SwarmTaskState.Succeeded), default);

        var entries = Directory.EnumerateFiles(Path.Combine(repo, ".swarm", "ledger"), "*.json").Count();
        Console.WriteLine($"| all ended (complete/failed) and promoted: {entries:N0} ledger entries | {Lap()} |");
        // A plan without -TaskDuration asks the store for the command's past runs: one query, whatever the store holds.
        TaskDurationHistory.Find(repo, record.Command); // warm-up (JIT, SQLite open), not printed
        Lap(); // the warm-up is not measured
        var history = TaskDurationHistory.Find(repo, record.Command);
        Console.WriteLine($"| estimate from history: median of the {history?.Runs ?? 0:N0} most recent complete runs of the command | {Lap()} |");
        var none = TaskDurationHistory.Find(repo, new[] { "python", "other.py" });
        Console.WriteLine($"| estimate from history, a command with no runs ({(none is null ? "none found" : "found?")}) | {Lap()} |");
        foreach (var note in recorder.TakeNotes())
        {
            Console.WriteLine("note: " + note);
        }
    }
    finally
    {
        Directory.Delete(repo, recursive: true);
    }
}
