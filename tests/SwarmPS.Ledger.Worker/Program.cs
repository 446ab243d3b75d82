using System.Collections;
using SwarmPS.Engine;
using SwarmPS.Engine.Ledger;

// usage: SwarmPS.Ledger.Worker <repositoryRoot> <workerIndex> <sharedRuns> <ownRuns>
// Every worker creates the same shared runs (idempotence under contention) plus its own, drives them
// to complete, promotes each by hand and syncs the whole ledger every few runs, all at once with the
// other workers. Exit code 0 means every operation behaved; anything unexpected is printed and exits 1.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: SwarmPS.Ledger.Worker <repositoryRoot> <workerIndex> <sharedRuns> <ownRuns>");
    return 2;
}

var root = args[0];
var worker = int.Parse(args[1]);
var shared = int.Parse(args[2]);
var own = int.Parse(args[3]);
try
{
    using var store = RunStore.Open(root, new RunStoreOptions { CaptureCodeVersion = false });
    var statepoints = Enumerable.Range(0, shared).Select(i => new Hashtable { ["shared"] = i })
        .Concat(Enumerable.Range(0, own).Select(i => new Hashtable { ["worker"] = worker, ["own"] = i }))
        .ToList();
    var step = 0;
    foreach (var statepoint in statepoints)
    {
        var run = store.CreateRun(statepoint);
        Finish(store, run.Id);
        var published = store.Publish(run.Id);
        if (!published.Promoted)
        {
            throw new InvalidOperationException($"publish {run.Id}: {published.Error}");
        }

        if (++step % 7 == 0)
        {
            var sync = store.Sync(overwrite: step % 14 == 0);
            if (sync.Failed > 0)
            {
                throw new InvalidOperationException($"sync: {sync.Failures[0].Error}");
            }
        }
    }

    return 0;
}
catch (Exception error)
{
    Console.Error.WriteLine($"worker {worker}: {error}");
    return 1;
}

static void Finish(RunStore store, string id)
{
    foreach (var status in new[] { RunStatus.Running, RunStatus.Complete })
    {
        try
        {
            var change = store.SetStatus(id, status);
            if (change.PromotionFailed)
            {
                throw new InvalidOperationException($"promotion of {id}: {change.Promotion!.Error}");
            }
        }
        catch (SwarmException error) when (error.ErrorId == "RunStatusTerminal")
        {
            // Another worker completed this shared run first: refused, as the rule says.
        }
    }
}
