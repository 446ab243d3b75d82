using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>Runs the generated job script with real bash, as a compute node would.</summary>
public sealed class JobScriptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-script-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly string[] Nasty =
    {
        "plain",
        "tab\there",
        "two\nlines\n",
        "it's \"quoted\" \\n not a newline",
        "$(touch /tmp/swarm-pwned) `id` ; | &",
        "",
        "grüße 🚀",
    };

    [Fact]
    public async Task Each_index_gets_its_own_task_values_verbatim_and_an_exit_status()
    {
        var tasks = TaskSet.Create(
            Nasty.Select(v => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["text"] = v }).ToList(),
            new[] { TaskAxis.Of("n", new object[] { 0, 3 }) });
        var site = new SiteProfile { Name = "local", RunRoot = _root, Environment = new Dictionary<string, string> { ["SITE_VAR"] = "x y" } };
        // The command writes what it received, and fails with the code given by parameter n.
        var command = new[] { "bash", "-c", "printf '%s' \"$SWARM_KW_TEXT\" > value; printf '%s' \"$SITE_VAR\" > site; exit \"$SWARM_KW_N\"" };
        var plan = WavePlanner.Plan(site, command, tasks, new JobPlanOptions { MaxArraySize = 5 });
        var layout = new JobLayout(JobLayout.JobRootFor(_root, plan.Key), 1);
        Directory.CreateDirectory(layout.AttemptDirectory);
        await File.WriteAllBytesAsync(layout.TaskFile, TaskFileFormat.Write(tasks, null));
        await File.WriteAllTextAsync(layout.Script, JobScriptWriter.Write(plan, layout));

        // Every task, through the arrays it falls in: index i of the array at offset o is line o+i.
        foreach (var array in plan.Arrays)
        {
            for (var index = 1; index <= array.Count; index++)
            {
                var result = await LocalShell.Instance.RunAsync(new ShellCommand("bash", layout.Script)
                {
                    Environment = new Dictionary<string, string>
                    {
                        ["SWARM_ARRAY_OFFSET"] = array.Offset.ToString(),
                        ["SLURM_ARRAY_TASK_ID"] = index.ToString(),
                    },
                });
                var task = array.Offset + index - 1;
                var expectedCode = int.Parse(tasks.GetValue(task, 1));
                Assert.Equal(expectedCode, result.ExitCode);
            }
        }

        for (long task = 0; task < tasks.Count; task++)
        {
            var dir = Path.Combine(layout.JobRoot, "results", task.ToString());
            Assert.Equal(tasks.GetValue(task, 0), await File.ReadAllTextAsync(Path.Combine(dir, "value")));
            Assert.Equal("x y", await File.ReadAllTextAsync(Path.Combine(dir, "site")));
            Assert.Equal(tasks.GetValue(task, 1) + "\n", await File.ReadAllTextAsync(Path.Combine(layout.StatusDirectory, $"{task}.exit")));
        }

        Assert.False(File.Exists("/tmp/swarm-pwned"));
    }

    [Fact]
    public async Task Sge_index_variable_is_read_and_a_missing_line_fails_cleanly()
    {
        var tasks = TaskSet.Product(new[] { TaskAxis.Of("x", new object[] { "a", "b" }) });
        var site = new SiteProfile { Name = "local", RunRoot = _root };
        var plan = WavePlanner.Plan(site, new[] { "bash", "-c", "printf '%s' \"$SWARM_KW_X\" > value" }, tasks);
        var layout = new JobLayout(JobLayout.JobRootFor(_root, plan.Key), 1);
        Directory.CreateDirectory(layout.AttemptDirectory);
        await File.WriteAllBytesAsync(layout.TaskFile, TaskFileFormat.Write(tasks, null));
        await File.WriteAllTextAsync(layout.Script, JobScriptWriter.Write(plan, layout));

        var ok = await LocalShell.Instance.RunAsync(new ShellCommand("bash", layout.Script) { Environment = new Dictionary<string, string> { ["SGE_TASK_ID"] = "2" } });
        var beyond = await LocalShell.Instance.RunAsync(new ShellCommand("bash", layout.Script) { Environment = new Dictionary<string, string> { ["SGE_TASK_ID"] = "3" } });

        Assert.Equal(0, ok.ExitCode);
        Assert.Equal("b", await File.ReadAllTextAsync(Path.Combine(layout.JobRoot, "results", "1", "value")));
        Assert.Equal(2, beyond.ExitCode);
        Assert.Contains("no task on line 3", beyond.StandardError);
    }
    [Fact]
    public async Task A_relative_run_root_is_the_homes_wherever_the_scheduler_starts_the_job()
    {
        // A remote site's run_root ~/runs becomes "runs", relative to the login's home (SiteProfileLoader).
        // Grid Engine without -wd and SLURM with --chdir start the job elsewhere; the script anchors at $HOME.
        var tasks = TaskSet.Product(new[] { TaskAxis.Of("x", new object[] { "a", "b" }) });
        var site = new SiteProfile { Name = "far", RunRoot = "runs" };
        var plan = WavePlanner.Plan(site, new[] { "bash", "-c", "printf '%s' \"$SWARM_KW_X\" > value; pwd > where" }, tasks);
        var layout = new JobLayout(JobLayout.JobRootFor(site.RunRoot, plan.Key), 1);
        Assert.False(Path.IsPathRooted(layout.AttemptDirectory));
        var attempt = Path.Combine(_root, layout.AttemptDirectory);
        Directory.CreateDirectory(attempt);
        await File.WriteAllBytesAsync(Path.Combine(attempt, "tasks.txt"), TaskFileFormat.Write(tasks, null));
        await File.WriteAllTextAsync(Path.Combine(attempt, "job.sh"), JobScriptWriter.Write(plan, layout));

        var result = await LocalShell.Instance.RunAsync(new ShellCommand("bash", "-c", "cd / && bash \"$0\"", Path.Combine(attempt, "job.sh"))
        {
            Environment = new Dictionary<string, string> { ["HOME"] = _root, ["SGE_TASK_ID"] = "2" },
        });

        Assert.True(result.ExitCode == 0, result.StandardError);
        var taskDirectory = Path.Combine(_root, layout.JobRoot, "results", "1");
        Assert.Equal("b", await File.ReadAllTextAsync(Path.Combine(taskDirectory, "value")));
        Assert.Equal(taskDirectory + "\n", await File.ReadAllTextAsync(Path.Combine(taskDirectory, "where")));
        Assert.Equal("0\n", await File.ReadAllTextAsync(Path.Combine(attempt, "status", "1.exit")));
        Assert.False(Directory.Exists("/runs"));
    }

    [Fact]
    public void Grid_engine_gets_wd_only_for_an_absolute_job_root()
    {
        var tasks = TaskSet.Product(new[] { TaskAxis.Seeds(2) });
        string Arguments(string runRoot)
        {
            var site = new SiteProfile { Name = "grid", Scheduler = SchedulerKind.Sge, RunRoot = runRoot };
            var plan = WavePlanner.Plan(site, new[] { "true" }, tasks);
            var layout = new JobLayout(JobLayout.JobRootFor(runRoot, plan.Key), 1);
            return string.Join(' ', new SgeAdapter().BuildSubmit(new ArraySubmission(plan, plan.Arrays.Single(), layout, Array.Empty<string>())).Arguments);
        }

        Assert.Matches("-wd /scratch/runs/jobs/[0-9a-f]+/a1 -o /scratch/runs/jobs/[0-9a-f]+/a1/logs ", Arguments("/scratch/runs"));
        var relative = Arguments("runs");
        Assert.DoesNotContain("-wd", relative);
        Assert.Matches(" -o runs/jobs/[0-9a-f]+/a1/logs ", relative);
    }
}
