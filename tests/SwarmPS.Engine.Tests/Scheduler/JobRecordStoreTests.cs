using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>Job records on disk: several writers of one record, as when Submit-, Stop- and Wait-SwarmJob overlap.</summary>
public sealed class JobRecordStoreTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("swarmps-records-");

    public void Dispose() => _root.Delete(recursive: true);

    private static JobRecord Record(string site, int tasks) => new()
    {
        Key = "0123456789abcdef",
        Site = site,
        Scheduler = SchedulerKind.Local,
        Command = new List<string> { "python3", "train.py" },
        TaskCount = tasks,
        // Big enough that one write takes a while, so the two writers overlap.
        ParameterNames = Enumerable.Range(0, 20_000).Select(i => $"p{i}").ToList(),
        JobRoot = "/runs/jobs/0123456789abcdef",
        Created = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void Two_threads_saving_one_record_at_once_both_succeed_and_leave_one_whole_record()
    {
        // With one fixed temporary name (<key>.json.tmp) the second writer truncates the first's file
        // mid-write and then finds it already renamed away (FileNotFoundException).
        var store = new JobRecordStore(Path.Combine(_root.FullName, ".swarm"));
        var records = new[] { Record("alpha", 1), Record("beta", 2) };
        using var start = new Barrier(records.Length);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        var writers = records.Select(record => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 50; i++)
            {
                try
                {
                    store.Save(record);
                }
                catch (Exception error)
                {
                    failures.Enqueue(error);
                }
            }
        })).ToList();
        writers.ForEach(writer => writer.Start());
        writers.ForEach(writer => writer.Join());

        Assert.Empty(failures);
        var saved = store.Get("0123456789abcdef");
        Assert.Contains((saved.Site, saved.TaskCount), new[] { ("alpha", 1L), ("beta", 2L) });
        Assert.Equal(20_000, saved.ParameterNames.Count);
        Assert.Equal(new[] { store.PathOf("0123456789abcdef") }, Directory.GetFiles(store.Directory));
    }
}
