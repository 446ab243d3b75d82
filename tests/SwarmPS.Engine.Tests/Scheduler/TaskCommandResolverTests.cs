using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Tasks run in results/&lt;task&gt;/, so a command's relative paths are resolved from the submitting
/// directory at plan time, or refused there when the program does not exist; real files, real PATH.
/// </summary>
public sealed class TaskCommandResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-resolve-").FullName;

    public TaskCommandResolverTests()
    {
        File.WriteAllText(Path.Combine(_root, "train.py"), "print('x')\n");
        Directory.CreateDirectory(Path.Combine(_root, "conf"));
        File.WriteAllText(Path.Combine(_root, "conf", "a.yaml"), "lr: 1\n");
        Directory.CreateDirectory(Path.Combine(_root, "out"));
        var script = Path.Combine(_root, "run.sh");
        File.WriteAllText(script, "#!/bin/bash\necho \"ran in $PWD with $1\"\ncat \"$1\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private JobOrigin Origin => new("test-machine", _root, _root);

    private SiteProfile Site(SshSettings? ssh = null, params string[] modules) =>
        new() { Name = "here", Scheduler = SchedulerKind.Local, RunRoot = Path.Combine(_root, "runs"), Ssh = ssh, Modules = modules };

    [Fact]
    public void Script_arguments_naming_files_here_become_absolute_and_the_rest_stay_as_given()
    {
        var command = new[] { "python3", "train.py", "--config", "conf/a.yaml", "--out", "out", "--log", "new.log", "--flag=train.py", "-" };

        var resolved = TaskCommandResolver.Resolve(command, Site(), Origin);

        Assert.Equal(new[]
        {
            "python3", Path.Combine(_root, "train.py"), "--config", Path.Combine(_root, "conf", "a.yaml"),
            "--out", "out", "--log", "new.log", "--flag=train.py", "-",
        }, resolved);
    }

    [Fact]
    public void A_relative_program_is_resolved_from_the_submitting_directory()
    {
        Assert.Equal(Path.Combine(_root, "run.sh"), TaskCommandResolver.Resolve(new[] { "./run.sh" }, Site(), Origin)[0]);
    }

    [Theory]
    [InlineData("./missing.sh", "resolved from the submitting directory")]
    [InlineData("no-such-program-swarmps", "resolved from the submitting directory")]
    [InlineData("train.py", "write ./train.py")]
    [InlineData("conf/a.yaml", "chmod +x")]
    public void A_program_that_cannot_run_is_refused_at_plan_time_with_the_fix(string program, string remedy)
    {
        var error = Assert.Throws<SwarmException>(() =>
            WavePlanner.Plan(Site(), new[] { program, "x" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }), origin: Origin));

        Assert.Equal("TaskProgramNotFound", error.ErrorId);
        Assert.Contains(program, error.Message);
        Assert.Contains(remedy, error.Remediation);
        Assert.Contains(_root, error.Remediation);
    }

    [Fact]
    public void A_program_on_PATH_stays_a_bare_name_and_a_remote_or_module_site_is_not_second_guessed()
    {
        Assert.Equal("bash", TaskCommandResolver.Resolve(new[] { "bash", "-c", "true" }, Site(), Origin)[0]);
        Assert.Equal(new[] { "./missing.sh", "train.py" },
            TaskCommandResolver.Resolve(new[] { "./missing.sh", "train.py" }, Site(new SshSettings { Host = "login.example.org" }), Origin));
        Assert.Equal("python-from-a-module", TaskCommandResolver.Resolve(new[] { "python-from-a-module" }, Site(modules: "python/3.12"), Origin)[0]);
    }

    [Fact]
    public async Task A_sweep_planned_here_runs_its_relative_script_and_reads_its_relative_file_from_results()
    {
        var plan = WavePlanner.Plan(Site(), new[] { "./run.sh", "conf/a.yaml" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }), origin: Origin);
        var store = new JobRecordStore(Path.Combine(_root, ".swarm"));
        await new JobSubmitter(LocalShell.Instance, store).SubmitAsync(plan);

        var job = (await new JobWaiter(new JobTracker(LocalShell.Instance, store)).WaitAsync(
            plan.Site, new[] { store.Get(plan.Key) }, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)))[0];

        Assert.Equal(SwarmJobState.Succeeded, job.State);
        var stdout = File.ReadAllText(Path.Combine(job.JobRoot, "results", "1", "stdout.log"));
        Assert.Contains($"ran in {job.JobRoot}/results/1 with {_root}/conf/a.yaml", stdout);
        Assert.Contains("lr: 1", stdout);
        // The ledger's statepoint keeps the command as given; the record keeps both.
        Assert.Equal(new[] { "./run.sh", "conf/a.yaml" }, store.Get(plan.Key).Command);
        Assert.Equal(new[] { Path.Combine(_root, "run.sh"), Path.Combine(_root, "conf", "a.yaml") }, store.Get(plan.Key).RunCommand);
    }

    [Fact]
    public async Task A_failed_task_points_at_its_stderr_log()
    {
        var plan = WavePlanner.Plan(Site(), new[] { "python3", "missing.py" }, TaskSet.Product(new[] { TaskAxis.Seeds(1) }), origin: Origin);
        var store = new JobRecordStore(Path.Combine(_root, ".swarm"));
        await new JobSubmitter(LocalShell.Instance, store).SubmitAsync(plan);

        var job = (await new JobWaiter(new JobTracker(LocalShell.Instance, store)).WaitAsync(
            plan.Site, new[] { store.Get(plan.Key) }, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)))[0];

        var task = Assert.Single(job.Tasks);
        Assert.Equal((SwarmTaskState.Failed, 2), (task.State, task.ExitCode));
        Assert.Equal($"{job.JobRoot}/results/0/stderr.log", task.StandardErrorLog);
        Assert.Contains("missing.py", File.ReadAllText(task.StandardErrorLog));
        Assert.Contains(task.StandardErrorLog, job.FailureNote());
        Assert.Contains("exit code 2", job.FailureNote());
    }
}
