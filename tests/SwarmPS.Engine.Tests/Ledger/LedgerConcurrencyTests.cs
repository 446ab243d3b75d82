using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class LedgerConcurrencyTests
{
    private const int Workers = 8;
    private const int SharedRuns = 30;
    private const int OwnRuns = 10;

    [Fact]
    public async Task Eight_processes_completing_promoting_and_syncing_leave_whole_entries_and_a_consistent_store()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "cluster");
        var worker = Path.Combine(AppContext.BaseDirectory, "SwarmPS.Ledger.Worker.dll");
        Assert.True(File.Exists(worker), $"worker not built at {worker}");

        var processes = Enumerable.Range(0, Workers).Select(index =>
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in new[] { worker, repo.Root, index.ToString(), SharedRuns.ToString(), OwnRuns.ToString() })
            {
                start.ArgumentList.Add(argument);
            }

            return Process.Start(start)!;
        }).ToList();
        var results = await Task.WhenAll(processes.Select(async process =>
        {
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            return (process.ExitCode, error);
        }));
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.error));

        var expected = SharedRuns + Workers * OwnRuns;
        var names = Directory.GetFiles(repo.Repository.LedgerDirectory).Select(Path.GetFileName).ToList();
        Assert.Equal(expected, names.Count);
        Assert.DoesNotContain(names, n => n!.EndsWith(".tmp", StringComparison.Ordinal));
        var read = LedgerReader.Read(repo.Repository);
        Assert.Empty(read.Problems);
        Assert.Equal(expected, read.Entries.Count);
        Assert.All(read.Entries, e => Assert.Equal(RunStatus.Complete, e.Status));

        using (var store = RunStore.Open(repo.Root))
        {
            var runs = store.List();
            Assert.Equal(expected, runs.Count);
            Assert.All(runs, r => Assert.Equal(RunStatus.Complete, r.Status));
            Assert.All(runs, r => Assert.NotNull(r.StartedAt));
            Assert.Equal(read.Entries.Select(e => e.Id), runs.Select(r => r.Id).Order(StringComparer.Ordinal));
        }

        using var connection = new SqliteConnection($"Data Source={repo.Repository.RunStorePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        Assert.Equal("ok", check.ExecuteScalar());
    }
}
